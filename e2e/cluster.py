"""The production topology of deploy/docker-compose.prod.yml on one machine, without Docker
(issue 7): a throwaway PostgreSQL cluster, `munim migrate`, N × `munim serve --no-worker` on
loopback ports, M × `munim worker`, and nginx configured from deploy/nginx/templates/ — the same
template the compose file's nginx renders.

Used by scripts/cluster (bring it up by hand), e2e/test_cluster.py (the cluster test) and
bench/cluster-bench.py. Everything lives in one temporary directory; `stop()` tears it all down.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from support import REPO_ROOT, Failure, PostgresCluster, _free_port, _log_tail, base_env, munim_binary, pg_bin_dir

TEMPLATE = REPO_ROOT / "deploy" / "nginx" / "templates" / "munim.conf.template"
SNIPPETS = REPO_ROOT / "deploy" / "nginx" / "snippets"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None)


def render_template(text: str, values: dict[str, str]) -> str:
    """Fills `${MUNIM_*}` placeholders as the nginx image's envsubst step does (with
    NGINX_ENVSUBST_FILTER=^MUNIM_); a placeholder without a value is an error, not a silent blank."""
    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name not in values:
            raise Failure(f"{TEMPLATE.name}: no value for ${{{name}}}")
        return values[name]
    return re.sub(r"\$\{(MUNIM_[A-Z0-9_]+)\}", fill, text)


class Proc:
    """One munim process of the cluster, restartable under the same name and port."""

    def __init__(self, name: str, args: list[str], log: Path, port: int | None) -> None:
        self.name, self.args, self.log, self.port = name, args, log, port
        self.popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


class Cluster:
    def __init__(self, serve: int = 3, workers: int = 2, env: dict[str, str] | None = None,
                 root: Path | None = None, nginx_port: int | None = None, embedded_worker: bool = False,
                 durable_db: bool = False) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="munim-cluster-"))
        self.owns_root = root is None
        self.serve_count, self.worker_count = serve, workers
        self.embedded_worker = embedded_worker
        self.durable_db = durable_db
        # One secret key for every process, as the compose file's .env gives them.
        self.extra_env = {"MUNIM_SECRET_KEY": os.urandom(32).hex(), **(env or {})}
        self.nginx_port = nginx_port or _free_port()
        self.pg: PostgresCluster | None = None
        self.procs: dict[str, Proc] = {}
        self.nginx: subprocess.Popen | None = None
        self._logs: list = []

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    @property
    def env(self) -> dict[str, str]:
        assert self.pg is not None
        return base_env(DATABASE_URL=self.pg.url, MUNIM_DATA_DIR=str(self.root / "data"),
                        MUNIM_TRUST_PROXY="true", MUNIM_PUBLIC_URL=self.url, **self.extra_env)

    def start(self) -> "Cluster":
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise Failure("PostgreSQL server binaries (initdb, pg_ctl) not found; install the postgresql package")
        if nginx_binary() is None:
            raise Failure("nginx not found; install the nginx-light package")
        self.pg = PostgresCluster(bin_dir, self.root, database="munim", durable=self.durable_db)
        self.pg.start()
        migrate = subprocess.run([str(munim_binary()), "migrate", "--yes"], env=self.env, cwd=self.root,
                                 capture_output=True, text=True, timeout=180)
        if migrate.returncode != 0:
            raise Failure(f"munim migrate failed:\n{migrate.stdout[-3000:]}\n{migrate.stderr[-3000:]}")
        for i in range(1, self.serve_count + 1):
            port = _free_port()
            args = ["serve", "--hostname", "127.0.0.1", "--port", str(port), "--no-migrate"]
            if not self.embedded_worker:
                args.append("--no-worker")
            self.procs[f"serve-{i}"] = Proc(f"serve-{i}", args, self.root / f"serve-{i}.log", port)
        for i in range(1, self.worker_count + 1):
            health = self.root / f"worker-{i}.health"
            self.procs[f"worker-{i}"] = Proc(f"worker-{i}", ["worker", "--health-file", str(health)],
                                             self.root / f"worker-{i}.log", None)
        for p in self.procs.values():
            self._spawn(p)
        for p in self.procs.values():
            self.wait_ready(p)
        self._start_nginx()
        return self

    def _spawn(self, p: Proc) -> None:
        log = open(p.log, "ab")
        self._logs.append(log)
        p.popen = subprocess.Popen([str(munim_binary()), *p.args], cwd=self.root, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_ready(self, p: Proc, timeout: float = 90) -> None:
        """serve: GET /ready answers 200. worker: its health file has been written (the worker
        reached the database)."""
        deadline = time.monotonic() + timeout
        health = self.root / f"{p.name}.health"
        while True:
            if not p.alive:
                raise Failure(f"{p.name} exited with code {p.popen.returncode if p.popen else '?'}\n{_log_tail(p.log)}")
            if p.port is not None:
                try:
                    with urllib.request.urlopen(f"{p.url}/ready", timeout=2) as r:
                        if r.status == 200:
                            return
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    pass
            elif health.exists() and health.stat().st_mtime >= time.time() - 30:
                return
            if time.monotonic() >= deadline:
                raise Failure(f"{p.name} not ready within {timeout:.0f}s\n{_log_tail(p.log)}")
            time.sleep(0.2)

    def nginx_config(self) -> str:
        servers = " ".join(f"server 127.0.0.1:{p.port} max_fails=1 fail_timeout=5s;"
                           for p in self.procs.values() if p.port is not None)
        return render_template(TEMPLATE.read_text(), {
            "MUNIM_UPSTREAM_SERVERS": servers,
            "MUNIM_NGINX_RESOLVER": "",
            "MUNIM_NGINX_LISTEN": f"127.0.0.1:{self.nginx_port}",
            "MUNIM_NGINX_ACCESS_LOG": str(self.root / "nginx-access.log"),
            "MUNIM_NGINX_SNIPPETS": str(SNIPPETS),
        })

    def _start_nginx(self) -> None:
        prefix = self.root / "nginx"
        prefix.mkdir(exist_ok=True)
        (prefix / "munim.conf").write_text(self.nginx_config())
        user = "user root;\n" if os.geteuid() == 0 else ""
        # The outer file is what the nginx image's own nginx.conf provides; the server lives in
        # the rendered template.
        (prefix / "nginx.conf").write_text(f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {self.root}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    default_type application/octet-stream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/munim.conf;
}}
""")
        nginx = nginx_binary()
        test = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                              capture_output=True, text=True, timeout=30)
        if test.returncode != 0:
            raise Failure(f"nginx rejected the rendered configuration:\n{test.stderr}")
        log = open(self.root / "nginx.out", "ab")
        self._logs.append(log)
        self.nginx = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                                      stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if self.nginx.poll() is not None or time.monotonic() >= deadline:
                raise Failure(f"nginx did not come up\n{_log_tail(self.root / 'nginx-error.log')}")
            time.sleep(0.1)

    # --- failures and restarts ----------------------------------------------------------------

    def kill(self, name: str, sig: int = signal.SIGKILL, timeout: float = 60) -> int:
        """Sends `sig` and waits for the process to exit; returns its exit code."""
        p = self.procs[name]
        assert p.popen is not None
        p.popen.send_signal(sig)
        return p.popen.wait(timeout=timeout)

    def restart(self, name: str) -> None:
        p = self.procs[name]
        if p.alive:
            raise Failure(f"{name} is still running")
        if p.port is None:
            (self.root / f"{name}.health").unlink(missing_ok=True)
        self._spawn(p)
        self.wait_ready(p)

    def stop(self) -> None:
        for p in self.procs.values():
            if p.alive:
                p.popen.send_signal(signal.SIGTERM)
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # graceful: finish open requests
        for p in self.procs.values():
            if p.popen is not None:
                try:
                    p.popen.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    p.popen.kill()
                    p.popen.wait(timeout=10)
        if self.nginx is not None:
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait(timeout=10)
        if self.pg is not None:
            try:
                self.pg.stop()
            except Exception:  # noqa: BLE001 — teardown goes on; the directory is removed below
                pass
        for log in self._logs:
            log.close()

    def remove(self) -> None:
        if self.owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def logs(self) -> list[Path]:
        return sorted([*self.root.glob("*.log"), *self.root.glob("pg/*.log")])
