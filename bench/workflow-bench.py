#!/usr/bin/env python3
"""Workflow webhook benchmark (issue 5): executions per second through `POST /hooks/{public_id}`
against a no-work baseline (`GET /health`), on one real `munim serve` with SQLite, measured in the
same run. Needs no Swift build: it drives an existing binary. Prints figures, asserts nothing
(it exits non-zero only when the set-up fails).

    python3 bench/workflow-bench.py [--seconds 10] [--warmup 3] [--connections 32] [--threads 1]
                                    [--loader auto|wrk|python]

MUNIM_BIN picks the binary (default .build/release/munim when it exists, else .build/debug/munim).
The load generator is `wrk` when installed (`apt-get install -y wrk`), else a threaded Python one
(keep-alive connections; slower, so it caps what it can measure). Both run on the same machine
as the server, so they share its cores.

Phases, each a warm-up then a fixed-duration closed loop with N connections:
  baseline  GET /health (no work)
  (a)       webhook → respond {ok: true, n: {{trigger.n}}}                                (2 steps)
  (b)       webhook → router (known|else) → data/set → ledger/get_customer_balance → respond (5 steps)
Every hook call starts a run whose every step is persisted; the reply is the respond node's output
(200) when the run reaches it within MUNIM_HOOK_RESPONSE_TIMEOUT_MS, else 202. Between phases the
benchmark waits until no run is queued or running. Afterwards it counts the runs of each workflow
through GET /api/v1/runs and checks that none failed.

The server is stopped on exit, also on Ctrl-C, SIGTERM or an error.
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_EXECUTIONS_PER_S = 2000      # the target for (a)
N8N_EXECUTIONS_PER_S = 220          # what n8n reports for a webhook workflow on 2 vCPUs
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg: str = "") -> None:
    print(msg, flush=True)


# --- the server ----------------------------------------------------------------------------------


class Server:
    """One `munim serve` in its own process group; stop() is idempotent and registered at exit."""

    def __init__(self, binary: Path, data_dir: Path, port: int) -> None:
        self.binary, self.data_dir, self.port = binary, data_dir, port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = data_dir / "server.log"
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            MUNIM_PORT=str(self.port),
            MUNIM_HOST="127.0.0.1",
            MUNIM_DATA_DIR=str(self.data_dir),
            MUNIM_BCRYPT_COST="4",
            MUNIM_PUBLIC_DIR=str(REPO / "Public"),
            MUNIM_LOG_LEVEL="warning",
            MUNIM_WORKFLOW_CONCURRENCY="1000",
        )
        env.pop("DATABASE_URL", None)  # MUNIM_DATA_DIR → SQLite in the temp directory
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(self.binary), "serve"], cwd=self.data_dir, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)  # Ctrl-C reaches us, we stop it
        deadline = time.monotonic() + 90
        last = "no attempt"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"munim exited with code {self.proc.returncode} before it was ready.\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/ready")
                res = conn.getresponse()
                res.read()
                conn.close()
                if res.status == 200:
                    return
                last = f"HTTP {res.status}"
            except OSError as e:
                last = str(e)
            time.sleep(0.2)
        raise SystemExit(f"munim was not ready within 90 s ({last}).\n{self.log_tail()}")

    def stop(self) -> None:
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, limit: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:]
        except OSError:
            return "(no server log)"

    def cpu_threads(self) -> dict[str, int]:
        """Clock ticks (user+system) per thread name, summed over threads of the same kind."""
        out: dict[str, int] = {}
        assert self.proc is not None
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                raw = (task / "stat").read_text()
            except OSError:
                continue
            name = raw[raw.index("(") + 1:raw.rindex(")")]
            fields = raw[raw.rindex(")") + 2:].split()
            ticks = int(fields[11]) + int(fields[12])  # utime, stime
            kind = name.rstrip("0123456789#-_ ") or name
            out[kind] = out.get(kind, 0) + ticks
        return out

    def cpu_split(self) -> tuple[float, float]:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK  # user, system seconds


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# --- a small JSON API client ---------------------------------------------------------------------


class API:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie: str | None = None
        self.csrf: str | None = None

    def call(self, method: str, path: str, body=None, auth: bool = True, raw: bytes | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None or raw is not None:
            data = raw if raw is not None else json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth and self.cookie:
            headers["Cookie"] = f"munim_session={self.cookie}"
            if method not in ("GET", "HEAD") and self.csrf:
                headers["X-CSRF-Token"] = self.csrf
        conn.request(method, path, body=data, headers=headers)
        res = conn.getresponse()
        text = res.read()
        conn.close()
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text.decode(errors="replace")
        return res.status, parsed, res

    def must(self, expected: int, method: str, path: str, body=None):
        status, parsed, res = self.call(method, path, body)
        if status != expected:
            raise SystemExit(f"{method} {path} → {status} (expected {expected}): {parsed}")
        return parsed, res


def node(nid: str, kind: str, service: str, task: str, params: dict, x: int) -> dict:
    return {"id": nid, "kind": kind, "service": service, "task": task, "params": params,
            "position": {"x": x, "y": 0}}


def blueprint_a() -> dict:
    return {
        "name": "bench (a) webhook → respond",
        "nodes": [
            node("trigger", "trigger", "webhook", "receive", {"sample_payload": {"n": 1}}, 0),
            node("respond", "action", "respond", "respond",
                 {"status": 200, "body": {"ok": True, "n": "{{trigger.n}}"}}, 300),
        ],
        "edges": [{"source": "trigger", "source_port": "out", "target": "respond"}],
    }


def blueprint_b() -> dict:
    return {
        "name": "bench (b) webhook → router → set → balance → respond",
        "nodes": [
            node("trigger", "trigger", "webhook", "receive",
                 {"sample_payload": {"n": 1, "customer_id": "c", "name": "Asha"}}, 0),
            node("router", "router", "router", "route",
                 {"branches": [{"port": "known", "when": {"left": "{{trigger.customer_id}}", "op": "exists"}}]}, 300),
            node("greet", "action", "data", "set", {"values": {"greeting": "Hi {{trigger.name}}"}}, 600),
            node("balance", "action", "ledger", "get_customer_balance", {"customer_id": "{{trigger.customer_id}}"}, 900),
            node("respond", "action", "respond", "respond",
                 {"status": 200, "body": {"balance": "{{steps.balance.balance}}"}}, 1200),
        ],
        "edges": [
            {"source": "trigger", "source_port": "out", "target": "router"},
            {"source": "router", "source_port": "known", "target": "greet"},
            {"source": "router", "source_port": "else", "target": "greet"},
            {"source": "greet", "source_port": "out", "target": "balance"},
            {"source": "balance", "source_port": "out", "target": "respond"},
        ],
    }


# --- load generators -----------------------------------------------------------------------------

WRK_LUA = r"""
-- Closed-loop load for workflow-bench.py. args: mode ("get" | "a" | "b"), customer id.
local threads = {}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end
function init(args)
  mode = args[1] or "get"
  customer = args[2] or ""
  n = 0
  statuses = {}
end
function request()
  if mode == "get" then return wrk.format("GET") end
  n = n + 1
  local id = tid * 100000000 + n
  local body
  if mode == "a" then
    body = string.format('{"n":%d}', id)
  else
    body = string.format('{"n":%d,"customer_id":"%s","name":"Asha"}', id, customer)
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then for k, v in pairs(s) do merged[tostring(k)] = (merged[tostring(k)] or 0) + v end end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, table.concat(parts, ",")))
end
"""


class Result:
    def __init__(self, requests: int, seconds: float, p50_ms: float, p99_ms: float, statuses: dict[int, int],
                 errors: int, loader_cpu_s: float, server_cpu: dict | None = None) -> None:
        self.requests, self.seconds, self.p50_ms, self.p99_ms = requests, seconds, p50_ms, p99_ms
        self.statuses, self.errors, self.loader_cpu_s = statuses, errors, loader_cpu_s
        self.server_cpu = server_cpu or {}

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok_per_s(self) -> float:
        return self.statuses.get(200, 0) / self.seconds if self.seconds > 0 else 0.0

    @property
    def non200(self) -> int:
        return sum(v for k, v in self.statuses.items() if k != 200) + self.errors


def run_wrk(script: Path, url: str, mode: str, customer: str, seconds: float, connections: int,
            threads: int) -> Result:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
           "--timeout", "15s", "-s", str(script), url, "--", mode, customer]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    d = json.loads(line[len("WRKJSON "):])
    errs = d["errors"]
    return Result(requests=d["requests"], seconds=d["duration_us"] / 1e6, p50_ms=d["p50_us"] / 1000,
                  p99_ms=d["p99_us"] / 1000, statuses={int(k): v for k, v in d["statuses"].items()},
                  errors=errs["connect"] + errs["read"] + errs["write"] + errs["timeout"],
                  loader_cpu_s=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime))


def run_python(port: int, path: str, mode: str, customer: str, seconds: float, connections: int) -> Result:
    """Threaded closed loop: one keep-alive connection per thread (the GIL caps it; an honest
    ceiling is printed with the figures)."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    t0 = time.process_time()

    def worker(tid: int) -> None:
        lat: list[float] = []
        st: dict[int, int] = {}
        err = 0
        n = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        while time.monotonic() < deadline:
            n += 1
            ident = tid * 100_000_000 + n
            if mode == "get":
                method, body, headers = "GET", None, {}
            else:
                payload = {"n": ident} if mode == "a" else {"n": ident, "customer_id": customer, "name": "Asha"}
                method, body, headers = "POST", json.dumps(payload).encode(), {"Content-Type": "application/json"}
            t = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                res = conn.getresponse()
                res.read()
                lat.append(time.perf_counter() - t)
                st[res.status] = st.get(res.status, 0) + 1
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        conn.close()
        with lock:
            latencies.extend(lat)
            for k, v in st.items():
                statuses[k] = statuses.get(k, 0) + v
            errors[0] += err

    start = time.monotonic()
    ts = [threading.Thread(target=worker, args=(i + 1,), daemon=True) for i in range(connections)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.monotonic() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")

    return Result(requests=len(latencies), seconds=elapsed, p50_ms=pct(0.50), p99_ms=pct(0.99), statuses=statuses,
                  errors=errors[0], loader_cpu_s=time.process_time() - t0)


# --- runs ----------------------------------------------------------------------------------------


def count_runs(api: API, workflow_id: str | None, status: str, max_pages: int = 10_000) -> int:
    total, cursor = 0, None
    for _ in range(max_pages):
        q = {"status": status, "limit": "200"}
        if workflow_id:
            q["workflow_id"] = workflow_id
        if cursor:
            q["cursor"] = cursor
        page, _ = api.must(200, "GET", "/api/v1/runs?" + urllib.parse.urlencode(q))
        total += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return total


def any_run(api: API, status: str) -> bool:
    page, _ = api.must(200, "GET", f"/api/v1/runs?status={status}&limit=1")
    return bool(page["items"])


def drain(api: API, limit_s: float = 300) -> float:
    """Waits until no run is queued or running; returns the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if not any_run(api, "queued") and not any_run(api, "running"):
            return time.monotonic() - start
        time.sleep(0.25)
    log(f"  (runs still queued or running after {limit_s:.0f} s; counting anyway)")
    return time.monotonic() - start


# --- main ----------------------------------------------------------------------------------------


def pick_binary() -> Path:
    if os.environ.get("MUNIM_BIN"):
        return Path(os.environ["MUNIM_BIN"]).resolve()
    release = REPO / ".build" / "release" / "munim"
    return (release if release.exists() else REPO / ".build" / "debug" / "munim").resolve()


def build_kind(binary: Path) -> str:
    parts = binary.parts
    if "release" in parts:
        return "RELEASE"
    if "debug" in parts:
        return "DEBUG"
    return "UNKNOWN (not under .build/release or .build/debug)"


def newest_source_mtime() -> float:
    newest = 0.0
    for root in ("Sources", "Package.swift", "Package.resolved"):
        p = REPO / root
        if p.is_file():
            newest = max(newest, p.stat().st_mtime)
        elif p.is_dir():
            for f in p.rglob("*"):
                if f.is_file():
                    newest = max(newest, f.stat().st_mtime)
    return newest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


THREAD_KINDS = (("NIO-SGLTN", "NIO event loops"), ("SGLTN-TP", "NIO thread pool (SQLite calls)"),
                ("default-qos", "Swift tasks (Dispatch pool)"), ("overcommit", "Dispatch overcommit"))


def thread_label(name: str) -> str:
    return next((label for key, label in THREAD_KINDS if key in name), name)


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already inside user
    return total - idle, total


def cpu_line(server_cpu: dict, seconds: float) -> str:
    if not server_cpu or seconds <= 0:
        return ""
    total = server_cpu["user"] + server_cpu["system"]
    kinds: dict[str, int] = {}
    for name, ticks in server_cpu["threads"].items():
        kinds[thread_label(name)] = kinds.get(thread_label(name), 0) + ticks
    top = ", ".join(f"{k} {v / CLK_TCK / seconds:.2f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])[:4] if v > 0)
    return (f"server CPU {total / seconds:.2f} cores (user {server_cpu['user'] / seconds:.2f}, "
            f"sys {server_cpu['system'] / seconds:.2f}; {top})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("WORKFLOW_BENCH_SECONDS", 10)),
                    help="measured seconds per phase (default 10)")
    ap.add_argument("--warmup", type=float, default=3, help="warm-up seconds per phase (default 3)")
    ap.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (default 1; the server needs the cores)")
    ap.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    args = ap.parse_args()
    args.seconds = min(max(args.seconds, 1), 120)
    args.warmup = min(max(args.warmup, 0), 60)
    args.connections = min(max(args.connections, 1), 512)

    binary = pick_binary()
    if not binary.exists():
        log(f"munim binary not found at {binary} (build it, or set MUNIM_BIN)")
        return 2
    loader = args.loader
    if loader == "auto":
        loader = "wrk" if shutil.which("wrk") else "python"
    if loader == "wrk" and not shutil.which("wrk"):
        log("wrk is not installed (apt-get install -y wrk), or use --loader python")
        return 2

    load1 = os.getloadavg()[0]
    kind = build_kind(binary)
    log(f"binary: {binary}")
    log(f"build:  {kind} build" + ("   <-- debug: unoptimised, figures are far below a release build" if kind == "DEBUG" else ""))
    built = binary.stat().st_mtime
    if newest_source_mtime() > built:
        log(f"WARNING: the binary ({time.strftime('%Y-%m-%d %H:%M', time.localtime(built))}) is older than files under "
            "Sources/; it may not match the code (rebuild, or set MUNIM_BIN)")
    log(f"loader: {loader}" + (f" (-t {args.threads})" if loader == "wrk" else " (threaded Python; caps the measurable rate)")
        + f", {args.connections} connections, {args.warmup:g} s warm-up + {args.seconds:g} s per phase, "
        f"{os.cpu_count()} CPUs shared by server and loader")
    if load1 > 0.5:
        log(f"note: load average {load1:.2f} before starting; other work on this machine skews the figures")

    data_dir = Path(tempfile.mkdtemp(prefix="munim-workflow-bench-"))
    server = Server(binary, data_dir, free_port())

    def cleanup() -> None:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    atexit.register(cleanup)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # SIGINT raises KeyboardInterrupt (also when started in the background, where it would be
    # ignored); the finally below and atexit stop the server, subprocess.run kills a running wrk.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        return run(args, loader, server, data_dir)
    except KeyboardInterrupt:
        log("\ninterrupted; stopping the server")
        return 130
    finally:
        cleanup()


def run(args, loader: str, server: Server, data_dir: Path) -> int:
    server.start()
    log(f"server: pid {server.proc.pid} on {server.base}, SQLite in {data_dir}")
    for k in ("MUNIM_WORKER_CONCURRENCY", "MUNIM_HOOK_RESPONSE_TIMEOUT_MS"):
        if os.environ.get(k):
            log(f"        {k}={os.environ[k]}")
    api = API(server.port)

    # A business, a customer, two active webhook workflows.
    me, res = api.must(201, "POST", "/api/v1/auth/signup",
                       {"email": "bench@example.com", "password": "bench password 1",
                        "business_name": "Bench", "owner_name": "B"})
    for header, value in res.getheaders():
        if header.lower() == "set-cookie" and value.startswith("munim_session="):
            api.cookie = value.split(";", 1)[0].split("=", 1)[1]
    api.csrf = me.get("csrf_token")
    if not api.cookie or not api.csrf:
        raise SystemExit(f"signup gave no session cookie or csrf_token: {me}")
    customer, _ = api.must(201, "POST", "/api/v1/customers", {"name": "Asha Traders", "phone": "+919800000001"})
    customer_id = customer["id"]

    workflows = {}
    for key, bp in (("a", blueprint_a()), ("b", blueprint_b())):
        wf, _ = api.must(201, "POST", "/api/v1/workflows", {"name": bp["name"], "blueprint": bp})
        wf, _ = api.must(200, "POST", f"/api/v1/workflows/{wf['id']}/activate")
        if not wf.get("webhook_url"):
            raise SystemExit(f"workflow {key} has no webhook_url after activation: {wf}")
        workflows[key] = {"id": wf["id"], "path": f"/hooks/{wf['public_id']}", "name": bp["name"]}

    # One call each, to show the replies are the respond node's output.
    st, body, _ = api.call("POST", workflows["a"]["path"], {"n": 7}, auth=False)
    log(f"check (a): {st} {json.dumps(body)}")
    if st != 200 or body != {"ok": True, "n": 7}:
        raise SystemExit(f"(a) did not answer with the respond node's output.\n{server.log_tail()}")
    st, body, _ = api.call("POST", workflows["b"]["path"], {"n": 7, "customer_id": customer_id, "name": "Asha"}, auth=False)
    log(f"check (b): {st} {json.dumps(body)}")
    if st != 200 or not isinstance(body, dict) or "balance" not in body:
        raise SystemExit(f"(b) did not answer with the respond node's output.\n{server.log_tail()}")
    drain(api)

    script = data_dir / "bench.lua"
    script.write_text(WRK_LUA)
    phases = [("baseline", "GET /health (no work)", "/health", "get"),
              ("a", "(a) webhook→respond, 2 steps", workflows["a"]["path"], "a"),
              ("b", "(b) 5-node workflow", workflows["b"]["path"], "b")]
    results: dict[str, Result] = {}
    drains: dict[str, float] = {}
    sent = {"a": 1, "b": 1}  # the check calls above
    log()
    for key, label, path, mode in phases:
        def load(seconds: float) -> Result:
            if loader == "wrk":
                return run_wrk(script, server.base + path, mode, customer_id, seconds, args.connections, args.threads)
            return run_python(server.port, path, mode, customer_id, seconds, args.connections)

        if args.warmup > 0:
            w = load(args.warmup)
            if key in sent:
                sent[key] += w.requests
                drain(api)
        user0, sys0 = server.cpu_split()
        threads0 = server.cpu_threads()
        busy0, all0 = machine_ticks()
        r = load(args.seconds)
        busy1, all1 = machine_ticks()
        user1, sys1 = server.cpu_split()
        threads1 = server.cpu_threads()
        ncpu = os.cpu_count() or 1
        machine_busy = (busy1 - busy0) / max(1, all1 - all0) * ncpu  # cores busy, whole machine
        r.server_cpu = {"user": user1 - user0, "system": sys1 - sys0,
                        "threads": {k: v - threads0.get(k, 0) for k, v in threads1.items()}}
        results[key] = r
        if key in sent:
            sent[key] += r.requests
            drains[key] = drain(api)
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r.statuses.items()))
        log(f"{label:<32} {r.rps:8.1f} req/s   p50 {r.p50_ms:8.2f} ms   p99 {r.p99_ms:8.2f} ms   "
            f"non-200 {r.non200} ({r.requests} replies in {r.seconds:.1f} s; {statuses}; {r.errors} socket errors/timeouts)")
        others = machine_busy - (user1 - user0 + sys1 - sys0 + r.loader_cpu_s) / r.seconds
        log(f"{'':<32} {cpu_line(r.server_cpu, r.seconds)}; loader {r.loader_cpu_s / r.seconds:.2f} cores; "
            f"other processes {max(0.0, others):.2f} cores; machine {machine_busy:.2f} of {ncpu} cores busy"
            + (f"; runs drained {drains[key]:.1f} s after the load stopped" if key in drains else ""))
        if others > 0.3:
            log(f"{'':<32} WARNING: other processes used {others:.2f} cores during this phase; the figure is contaminated")

    base, a, b = results["baseline"], results["a"], results["b"]
    log()
    log(f"ratio (a)/baseline throughput: {a.rps / base.rps:.3f}   (b)/baseline: {b.rps / base.rps:.3f}   "
        f"(b)/(a): {b.rps / a.rps:.3f}" if base.rps and a.rps else "ratio: n/a")
    log(f"(a) executions/s (200 replies/s): {a.ok_per_s:.1f} vs the issue's target {TARGET_EXECUTIONS_PER_S:,}/s "
        f"= {100 * a.ok_per_s / TARGET_EXECUTIONS_PER_S:.1f}% of target; n8n reports {N8N_EXECUTIONS_PER_S}/s on 2 vCPUs "
        f"= {a.ok_per_s / N8N_EXECUTIONS_PER_S:.2f}x n8n  [{build_kind(server.binary)} build]")
    log(f"(b) executions/s (200 replies/s): {b.ok_per_s:.1f}  (5 steps each: {5 * b.ok_per_s:.0f} persisted steps/s; "
        f"(a) {2 * a.ok_per_s:.0f} steps/s)")

    # Did the runs really complete?
    log()
    log("runs (GET /api/v1/runs), after every run left queued/running:")
    all_ok = True
    for key in ("a", "b"):
        wf = workflows[key]
        counts = {s: count_runs(api, wf["id"], s) for s in ("succeeded", "failed", "queued", "running", "waiting", "cancelled")}
        total = sum(counts.values())
        ok = counts["failed"] == 0 and counts["succeeded"] == total
        all_ok &= ok
        log(f"  ({key}) {counts['succeeded']} succeeded, {counts['failed']} failed, "
            f"{counts['queued'] + counts['running'] + counts['waiting']} unfinished, {counts['cancelled']} cancelled "
            f"of {total} runs; replies counted by the loader {sent[key]} (runs ≥ replies: up to "
            f"{args.connections} requests are in flight when a load phase stops)  {'OK' if ok else 'NOT ALL SUCCEEDED'}")
    # One run of (b) in full: every step persisted, in order.
    page, _ = api.must(200, "GET", f"/api/v1/runs?workflow_id={workflows['b']['id']}&status=succeeded&limit=1")
    if page["items"]:
        run_, _ = api.must(200, "GET", f"/api/v1/runs/{page['items'][0]['id']}")
        steps = ", ".join(f"{s['node_id']}={s['status']}" + (f"[{s['port']}]" if s.get("port") else "") for s in run_["steps"])
        log(f"  a run of (b): {steps}; response {json.dumps(run_.get('response'))}")
    log(f"no run failed: {'yes' if all_ok else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
