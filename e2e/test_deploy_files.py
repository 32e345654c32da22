"""The deploy files stay consistent with the binary (issue 7: "the compose files describe the same
topology and stay consistent with the binary's flags"). No Docker engine here, so:

- the production compose file has the issue's topology, a healthcheck on every long-running
  service, and only MUNIM_* settings the binary knows (AppConfig.variables);
- every command line the compose files give `munim` is run against the real binary (on loopback,
  SQLite) and must start: `migrate --yes`, `serve … --no-worker --no-migrate`, `worker --health-file`;
- the nginx template's placeholders are exactly the ones the compose file's nginx sets, and the
  rendering scripts/cluster uses passes `nginx -t` (the cluster test then runs it).
"""

from __future__ import annotations

import re
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from cluster import TEMPLATE, nginx_binary, render_template
from support import REPO_ROOT, _free_port, _log_tail, base_env, munim_binary

DEPLOY = REPO_ROOT / "deploy"


def compose(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text())


def known_variables() -> set[str]:
    source = (REPO_ROOT / "Sources" / "App" / "Core" / "AppConfig.swift").read_text()
    block = source[source.index("public static let variables"):source.index("public struct Invalid")]
    return set(re.findall(r'\("((?:MUNIM|OPENAI|DATABASE)_[A-Z_]+)"', block))


def test_production_compose_has_the_topology_and_healthchecks():
    services = compose("docker-compose.prod.yml")["services"]
    assert set(services) == {"postgres", "migrate", "serve", "worker", "nginx"}
    assert services["serve"]["deploy"]["replicas"] in (3, "${MUNIM_SERVE_REPLICAS:-3}")
    assert services["worker"]["deploy"]["replicas"] in (2, "${MUNIM_WORKER_REPLICAS:-2}")
    assert services["serve"]["command"][0] == "serve" and "--no-worker" in services["serve"]["command"]
    assert services["worker"]["command"][0] == "worker"
    for name in ("postgres", "serve", "worker", "nginx"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    assert "/ready" in " ".join(services["serve"]["healthcheck"]["test"])
    assert any(v.endswith("/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    for name in ("migrate", "serve", "worker"):
        assert {"path": ".env", "required": True} in services[name]["env_file"]
        after = services[name]["depends_on"]
        assert after.get("migrate", after.get("postgres"))["condition"] in ("service_completed_successfully", "service_healthy")


def test_compose_files_only_set_variables_the_binary_knows():
    known = known_variables()
    assert "MUNIM_LOG_FORMAT" in known and "DATABASE_URL" in known
    for name in ("docker-compose.yml", "docker-compose.prod.yml"):
        for service_name, service in compose(name)["services"].items():
            if service_name == "nginx":
                continue
            env = service.get("environment") or {}
            unknown = [k for k in env if k.startswith(("MUNIM_", "OPENAI_")) and k not in known]
            assert not unknown, f"{name}/{service_name} sets {unknown}, which munim does not read"


def test_nginx_template_placeholders_match_the_compose_file():
    placeholders = set(re.findall(r"\$\{(MUNIM_[A-Z0-9_]+)\}", TEMPLATE.read_text()))
    nginx_env = compose("docker-compose.prod.yml")["services"]["nginx"]["environment"]
    assert placeholders == {k for k in nginx_env if k.startswith("MUNIM_")}
    assert re.match(r"\^MUNIM_", nginx_env["NGINX_ENVSUBST_FILTER"])
    volumes = compose("docker-compose.prod.yml")["services"]["nginx"]["volumes"]
    assert "./nginx/templates:/etc/nginx/templates:ro" in volumes
    assert nginx_env["MUNIM_NGINX_SNIPPETS"] + ":ro" in [v.split(":", 1)[1] for v in volumes if "snippets" in v]


def test_rendered_template_passes_nginx_t():
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx not installed")
    with tempfile.TemporaryDirectory() as d:
        prefix = Path(d)
        (prefix / "munim.conf").write_text(render_template(TEMPLATE.read_text(), {
            "MUNIM_UPSTREAM_SERVERS": "server 127.0.0.1:1 max_fails=1 fail_timeout=5s;", "MUNIM_NGINX_RESOLVER": "",
            "MUNIM_NGINX_LISTEN": f"127.0.0.1:{_free_port()}", "MUNIM_NGINX_ACCESS_LOG": str(prefix / "access.log"),
            "MUNIM_NGINX_SNIPPETS": str(DEPLOY / "nginx" / "snippets")}))
        (prefix / "nginx.conf").write_text(
            f"pid {prefix}/nginx.pid; error_log {prefix}/error.log; events {{}} "
            f"http {{ client_body_temp_path {prefix}/b; proxy_temp_path {prefix}/p; fastcgi_temp_path {prefix}/f; "
            f"uwsgi_temp_path {prefix}/u; scgi_temp_path {prefix}/s; include {prefix}/munim.conf; }}")
        r = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


def test_every_compose_command_line_starts_the_binary(tmp_path: Path):
    """Runs each command of the compose files as written, with the address swapped for loopback."""
    services = {**compose("docker-compose.yml")["services"], **compose("docker-compose.prod.yml")["services"]}
    env = base_env(MUNIM_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=f"sqlite:///{tmp_path}/data/munim.sqlite")

    migrate = subprocess.run([str(munim_binary()), *services["migrate"]["command"]], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    port = _free_port()
    serve_args = [a.replace("0.0.0.0", "127.0.0.1").replace("8000", str(port)) for a in services["serve"]["command"]]
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen([str(munim_binary()), *serve_args], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    health = tmp_path / "worker.health"
    worker_args = [str(health) if a == "/tmp/munim-worker.health" else a for a in services["worker"]["command"]]
    wlog = tmp_path / "worker.log"
    with open(wlog, "wb") as out:
        worker = subprocess.Popen([str(munim_binary()), *worker_args], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        ready = False
        while time.monotonic() < deadline and not (ready and health.exists()):
            assert serve.poll() is None, _log_tail(log)
            assert worker.poll() is None, _log_tail(wlog)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as r:
                    ready = r.status == 200
            except OSError:
                pass
            time.sleep(0.2)
        assert ready, f"serve {serve_args} never became ready\n{_log_tail(log)}"
        assert health.exists(), f"worker {worker_args} wrote no health file\n{_log_tail(wlog)}"
        assert int(health.read_text()) >= int(time.time()) - 30
        # The healthcheck's own test, as the container runs it.
        age_check = services["worker"]["healthcheck"]["test"][1].replace("$$", "$").replace("/tmp/munim-worker.health", str(health))
        assert subprocess.run(["sh", "-c", age_check]).returncode == 0
    finally:
        for p in (serve, worker):
            p.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0, _log_tail(log)
        assert worker.wait(timeout=30) == 0, _log_tail(wlog)
    assert not health.exists(), "the worker removes its health file when it stops"
