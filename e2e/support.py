"""Shared pieces of the process-level tests (test_workflow_durability.py, test_cluster.py) and of
scripts/cluster: the munim binary and its processes, a throwaway PostgreSQL cluster, an HTTP fake
that records Idempotency-Keys, and a small API client. No pytest or browser imports, so
scripts/cluster runs without the test packages."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent


class Failure(AssertionError):
    """A precondition or wait that did not hold; pytest reports it like a failed assert."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(path: Path, limit: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return "(no server log)"


PASSWORD = "durable-pass-123"
POLL_S = 0.1
FAKE_DELAY_S = 0.15


def munim_binary() -> Path:
    binary = Path(os.environ.get("MUNIM_BIN", str(REPO_ROOT / ".build" / "debug" / "munim")))
    if not binary.exists():
        raise Failure(f"munim binary not found at {binary} (build it first, or set MUNIM_BIN)")
    return binary


# --- processes ---------------------------------------------------------------------------------


class Processes:
    """The munim processes a test started; the fixture stops whatever is still running."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self._logs: list = []

    def start(self, args: list[str], env: dict, log_path: Path, cwd: Path) -> subprocess.Popen:
        log = open(log_path, "ab")
        self._logs.append(log)
        proc = subprocess.Popen([str(munim_binary()), *args], cwd=cwd, env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        for log in self._logs:
            log.close()


def base_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUNIM_") and k != "DATABASE_URL"}
    env.update(
        MUNIM_HOST="127.0.0.1",
        MUNIM_BCRYPT_COST="4",
        MUNIM_SECRET_KEY=os.urandom(32).hex(),
        MUNIM_PUBLIC_DIR=str(REPO_ROOT / "Public"),
        MUNIM_LOG_LEVEL="info",
        MUNIM_STEP_LEASE_SECONDS="5",
        MUNIM_WORKFLOW_CONCURRENCY="1000",
        MUNIM_ENV_FILE="/nonexistent/munim-e2e.env",
    )
    env.update(extra)
    return env


def wait_until(what: str, predicate, timeout: float, on_timeout=lambda: ""):
    """Calls `predicate` every POLL_S until it returns something truthy; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {timeout:.0f}s waiting for {what}\n{on_timeout()}")
        time.sleep(POLL_S)


@contextlib.contextmanager
def serve_with(tmp_path: Path, name: str, **env: str):
    """A `munim serve` on a free loopback port over its own SQLite file, with `env` on top of
    `base_env` (a fake provider's URL, usually); yields its base URL and stops it afterwards."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    procs = Processes()
    log = tmp_path / f"{name}.log"
    procs.start(["serve"], base_env(DATABASE_URL=f"sqlite:///{tmp_path}/{name}.sqlite", MUNIM_DATA_DIR=str(tmp_path),
                                    MUNIM_PORT=str(port), MUNIM_LOG_LEVEL="warning", **env), log, REPO_ROOT)

    def ready():
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        wait_until("munim to answer /health", ready, 120, lambda: log.read_text(errors="replace")[-3000:])
        yield base
    finally:
        procs.stop_all()


# --- API client ----------------------------------------------------------------------------------


class API:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None,
             expect: tuple[int, ...] = (200, 201)) -> tuple[dict, dict]:
        data = None if body is None else json.dumps(body).encode()
        h = {"Accept": "application/json"}
        if data is not None:
            h["Content-Type"] = "application/json"
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, text, resp_headers = resp.status, resp.read().decode(), resp.headers
        except urllib.error.HTTPError as e:
            status, text, resp_headers = e.code, e.read().decode(errors="replace"), e.headers
        assert status in expect, f"{method} {path} → {status}: {text[:2000]}"
        return (json.loads(text) if text else {}), resp_headers

    def get(self, path: str) -> dict:
        return self.call("GET", path)[0]

    def post(self, path: str, body: dict) -> dict:
        return self.call("POST", path, body)[0]

    def sign_up(self) -> None:
        """Signs up a new business and switches to an API token (no cookie or CSRF needed after)."""
        body, headers = self.call("POST", "/api/v1/auth/signup", {
            "email": f"owner-{uuid.uuid4().hex[:12]}@example.com", "password": PASSWORD,
            "business_name": "Durable Traders", "owner_name": "Asha Rao"})
        cookie = next(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") if c.startswith("munim_session="))
        tok, _ = self.call("POST", "/api/v1/tokens", {"name": "durability"},
                           headers={"Cookie": cookie, "X-CSRF-Token": body["csrf_token"]})
        self.token = tok["token"]

    def all_pages(self, path: str) -> list[dict]:
        items: list[dict] = []
        cursor = None
        sep = "&" if "?" in path else "?"
        for _ in range(1000):
            page = self.get(f"{path}{sep}limit=200" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""))
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items
        raise Failure(f"{path}: more than 1000 pages")

    def runs(self, workflow_id: str, status: str | None = None) -> list[dict]:
        q = f"/api/v1/runs?workflow_id={workflow_id}" + (f"&status={status}" if status else "")
        return self.all_pages(q)

    def balance(self, customer_id: str) -> int:
        return self.get(f"/api/v1/customers/{customer_id}")["balance"]


def node(node_id: str, kind: str, service: str, task: str, params: dict, x: int) -> dict:
    return {"id": node_id, "kind": kind, "service": service, "task": task, "params": params,
            "position": {"x": x, "y": 0}}


def chain(name: str, nodes: list[dict]) -> dict:
    edges = [{"source": a["id"], "source_port": "out", "target": b["id"]} for a, b in zip(nodes, nodes[1:])]
    return {"name": name, "nodes": nodes, "edges": edges}


def status_counts(runs: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in runs:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts


class FakeService:
    """A threaded HTTP server that records each request's Idempotency-Key and JSON body and
    answers after FAKE_DELAY_S (so calls are in flight when the process is killed)."""

    def __init__(self, delay: float = FAKE_DELAY_S) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.requests: list[tuple[str | None, object]] = []
        self.in_flight = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                with fake.lock:
                    fake.requests.append((self.headers.get("Idempotency-Key"), body))
                    fake.in_flight += 1
                try:
                    time.sleep(fake.delay)  # the fake's service time, not test synchronization
                    out = b'{"ok": true}'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the caller was killed mid-request
                finally:
                    with fake.lock:
                        fake.in_flight -= 1

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/orders"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def snapshot(self) -> tuple[list[tuple[str | None, object]], int]:
        with self.lock:
            return list(self.requests), self.in_flight

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def pg_bin_dir() -> str | None:
    if os.environ.get("MUNIM_PG_BIN") and os.path.exists(os.path.join(os.environ["MUNIM_PG_BIN"], "initdb")):
        return os.environ["MUNIM_PG_BIN"]
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    for d in reversed(dirs):
        if all(os.path.exists(os.path.join(d, t)) for t in ("initdb", "pg_ctl", "psql", "createdb")):
            return d
    return None


class PostgresCluster:
    """A throwaway PostgreSQL 15 on a free loopback port. `durable=False` (functional tests) turns
    fsync, synchronous_commit and full_page_writes off for speed; benchmarks pass `durable=True`
    to measure what a deployment with PostgreSQL's defaults does."""

    def __init__(self, bin_dir: str, root: Path, database: str = "munim_e2e", durable: bool = False) -> None:
        self.database = database
        self.durable = durable
        self.bin = bin_dir
        self.dir = root / "pg"
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.started = False

    def _pg(self, tool: str, *args: str, timeout: float = 90) -> None:
        cmd = [os.path.join(self.bin, tool), *args]
        if self.as_root:  # initdb refuses root: run the server as the postgres system user
            cmd = ["/usr/sbin/runuser", "-u", "postgres", "--", *cmd]
        # Output to a file, not a pipe: the server started by pg_ctl would keep a pipe open.
        out_path = self.dir / f"{tool}.out"
        with open(out_path, "wb") as out:
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                timeout=timeout, cwd=self.dir).returncode
        if rc != 0:
            raise RuntimeError(f"{tool} failed ({rc}): {_log_tail(out_path)}\n{_log_tail(self.dir / 'server.log')}")

    def start(self) -> None:
        self.dir.mkdir(mode=0o755)
        if self.as_root:
            os.chmod(self.dir.parent, 0o755)
            subprocess.run(["chown", "-R", "postgres:postgres", str(self.dir)], check=True, timeout=30)
        self._pg("initdb", "-D", str(self.data), "-U", "munim", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "60", "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 {self.durability_options} "
                 f"-c max_connections=200", "start")
        self.started = True
        subprocess.run([os.path.join(self.bin, "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "munim",
                        self.database], check=True, timeout=30, capture_output=True)

    @property
    def durability_options(self) -> str:
        return "" if self.durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"

    @property
    def durability(self) -> str:
        """In words, for a benchmark's header."""
        return ("durable: fsync, synchronous_commit and full_page_writes on (PostgreSQL's defaults)" if self.durable
                else "fast: fsync, synchronous_commit and full_page_writes off (test settings, not a deployment)")

    @property
    def url(self) -> str:
        return f"postgres://munim:munim@127.0.0.1:{self.port}/{self.database}?tlsmode=disable"

    def sql(self, statement: str) -> list[list[str]]:
        r = subprocess.run([os.path.join(self.bin, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "munim",
                            "-d", self.database, "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-c", statement],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, f"psql failed: {r.stderr}"
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def stop(self) -> None:
        if self.started:
            try:
                self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop", timeout=45)
            finally:
                self.started = False




# --- rows written behind the server's back (test instrumentation) -----------------------------------
# Issue 14's tests plant job rows (a crash-looping job, jobs that gave up) directly in the database.
# Fluent decides how a UUID and a date look in a SQLite column (a 16-byte BLOB or text; a REAL,
# INTEGER or text timestamp), so the SQLite writer copies the representation of a row the server
# itself wrote instead of guessing.


def sqlite_connect(path: Path):
    import sqlite3
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


class SQLiteShapes:
    """How the server's SQLite file stores UUIDs and dates, learnt from a row of `table`."""

    def __init__(self, conn, table: str = "businesses") -> None:
        row = conn.execute(f"SELECT id, typeof(id), created_at, typeof(created_at) FROM {table} LIMIT 1").fetchone()
        if row is None:
            raise Failure(f"SQLiteShapes: no row in {table} to learn the column formats from (sign up first)")
        sample_id, self.id_type, sample_date, self.date_type = row
        self.id_upper = isinstance(sample_id, str) and sample_id != sample_id.lower()
        self.date_text_format = None
        # A numeric date counts seconds from 1970, or from 2001 (Foundation's reference date).
        self.epoch_offset = 978_307_200 if self.date_type in ("real", "integer") and float(sample_date) < 1.3e9 else 0
        if self.date_type == "text":
            # e.g. "2026-12-05 09:15:02.123" or "2026-12-05T09:15:02Z": keep the separator and precision.
            self.date_text_format = sample_date
        if self.id_type not in ("blob", "text") or self.date_type not in ("real", "integer", "text"):
            raise Failure(f"unexpected SQLite column types in {table}: id {self.id_type}, created_at {self.date_type}")

    def uuid(self, value: uuid.UUID | str | None):
        if value is None:
            return None
        u = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        if self.id_type == "blob":
            return u.bytes
        return str(u).upper() if self.id_upper else str(u)

    def uuid_text(self, stored) -> str:
        """A stored id back to its canonical text."""
        if isinstance(stored, bytes):
            return str(uuid.UUID(bytes=stored))
        return str(uuid.UUID(str(stored)))

    def date(self, epoch: float):
        if self.date_type == "real":
            return float(epoch) - self.epoch_offset
        if self.date_type == "integer":
            return int(epoch) - self.epoch_offset
        import datetime as _dt
        sample = self.date_text_format or ""
        d = _dt.datetime.fromtimestamp(epoch, tz=_dt.timezone.utc)
        sep = "T" if "T" in sample else " "
        frac = ""
        if "." in sample:
            digits = len(sample.split(".", 1)[1].rstrip("Z").split("+")[0])
            frac = "." + f"{d.microsecond:06d}"[:digits].ljust(digits, "0")
        zone = "Z" if sample.endswith("Z") else ""
        return d.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + frac + zone


JOB_COLUMNS = ("id", "kind", "business_id", "payload", "status", "run_at", "attempts", "max_attempts",
               "lease_owner", "lease_until", "last_error", "dedupe_key", "created_at", "updated_at")


def insert_job_sqlite(db_path: Path, *, kind: str, business_id: str, payload: dict | None = None,
                      status: str = "queued", attempts: int = 0, max_attempts: int = 3,
                      last_error: str | None = None, run_at: float | None = None) -> str:
    """Inserts one row into `jobs` of a munim SQLite file (the server may be running: WAL and a
    busy timeout). Returns the job id (lower-case text)."""
    conn = sqlite_connect(db_path)
    try:
        shapes = SQLiteShapes(conn)
        job_id = uuid.uuid4()
        now = time.time()
        at = shapes.date(run_at if run_at is not None else now - 1)
        values = (shapes.uuid(job_id), kind, shapes.uuid(business_id), json.dumps(payload or {}), status, at, attempts,
                  max_attempts, None, None, last_error, None, shapes.date(now - 1), shapes.date(now - 1))
        conn.execute(f"INSERT INTO jobs ({', '.join(JOB_COLUMNS)}) VALUES ({', '.join('?' * len(JOB_COLUMNS))})", values)
        return str(job_id)
    finally:
        conn.close()


def job_sqlite(db_path: Path, job_id: str) -> dict | None:
    """The `jobs` row with this id as a dict (ids as text), or None once it is gone."""
    conn = sqlite_connect(db_path)
    try:
        shapes = SQLiteShapes(conn)
        cur = conn.execute(f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs WHERE id = ?", (shapes.uuid(job_id),))
        row = cur.fetchone()
        if row is None:
            return None
        out = dict(zip(JOB_COLUMNS, row))
        out["id"] = shapes.uuid_text(out["id"])
        if out["business_id"] is not None:
            out["business_id"] = shapes.uuid_text(out["business_id"])
        return out
    finally:
        conn.close()


def _sql_text(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def insert_job_pg(cluster: "PostgresCluster", *, kind: str, business_id: str, payload: dict | None = None,
                  status: str = "queued", attempts: int = 0, max_attempts: int = 3,
                  last_error: str | None = None) -> str:
    job_id = str(uuid.uuid4())
    cluster.sql(
        f"INSERT INTO jobs ({', '.join(JOB_COLUMNS)}) VALUES ('{job_id}', {_sql_text(kind)}, '{uuid.UUID(business_id)}', "
        f"{_sql_text(json.dumps(payload or {}))}, {_sql_text(status)}, now() - interval '1 second', {int(attempts)}, "
        f"{int(max_attempts)}, NULL, NULL, {_sql_text(last_error)}, NULL, now() - interval '1 second', now() - interval '1 second')")
    return job_id


def job_pg(cluster: "PostgresCluster", job_id: str) -> dict | None:
    rows = cluster.sql(f"SELECT id, kind, status, attempts, max_attempts, coalesce(last_error, ''), "
                       f"coalesce(lease_owner, '') FROM jobs WHERE id = '{uuid.UUID(job_id)}'")
    if not rows:
        return None
    r = rows[0]
    return {"id": r[0], "kind": r[1], "status": r[2], "attempts": int(r[3]), "max_attempts": int(r[4]),
            "last_error": r[5] or None, "lease_owner": r[6] or None}


# --- load ---------------------------------------------------------------------------------------------


class cpu_hog:  # noqa: N801 (used like a function: `with cpu_hog(120): ...`)
    """A bounded busy loop on every core (issue 14 §5: the concurrency and durability tests must
    pass with one running alongside). One process per core spins until `seconds` have passed —
    it stops by itself even if this process dies — or until the `with` block ends."""

    def __init__(self, seconds: float, cores: int | None = None) -> None:
        self.seconds = float(seconds)
        self.cores = cores or os.cpu_count() or 1
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> "cpu_hog":
        import sys
        loop = f"import time\nend = time.monotonic() + {self.seconds!r}\nwhile time.monotonic() < end:\n    pass\n"
        for _ in range(self.cores):
            self.procs.append(subprocess.Popen([sys.executable, "-c", loop], stdin=subprocess.DEVNULL,
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return self

    def __exit__(self, *exc) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for p in self.procs:
            p.wait(timeout=10)
        self.procs = []

    @property
    def running(self) -> int:
        return sum(1 for p in self.procs if p.poll() is None)


def cpu_hog_wanted() -> bool:
    """MUNIM_TEST_CPU_HOG=1 runs the tests that support it once more with a CPU hog alongside."""
    return os.environ.get("MUNIM_TEST_CPU_HOG", "") not in ("", "0", "false", "no")
