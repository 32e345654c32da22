#!/usr/bin/env python3
"""Cost per operation (issue 20 §1): a fixed, sequential workload against one `munim serve` on
SQLite and on PostgreSQL (durable, PostgreSQL's defaults), measured as munim's own CPU per
operation.

The workload, one operation at a time (no concurrency, so the figures do not depend on how busy
the machine is; throughput lives in workflow-bench.py and cluster-bench.py):
  (a)        webhook → respond workflow, one POST each              (default 500)
  (b)        webhook → router → set → balance → respond, one each   (default 500)
  inbound    a Twilio-signed WhatsApp message from a customer: the webhook, the stored message,
             the customer bot's answer and its send to a local fake Twilio (default 200)
  assistant  "sold 2 bags cement to Ramesh at 350" typed to the assistant, then its card
             confirmed into an invoice (default 100)
After each phase the job queue is drained (GET /metrics: nothing due, nothing running), so work a
phase starts in the background is counted in that phase.

CPU is user + system time of the munim process from /proc/<pid>/stat, before and after the phase,
less what munim spends idle (its job pollers, measured for 3 s before the first phase) over the
phase's wall time. Instruction counts under valgrind's callgrind (the issue's exact measure) are
not available on this machine: Debian 12's valgrind 3.19 dies with an internal SIGSEGV when the
Swift 6.3 binary starts its threads (with or without debug info, with rseq off); see the issue
note.

    python3 bench/cost.py [--db sqlite|postgres|both] [--scale 1.0]

MUNIM_BIN picks the binary (default .build/release/munim when it exists). Asserts nothing; exits
non-zero only when an operation fails.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "e2e"))
_spec = importlib.util.spec_from_file_location("workflow_bench", REPO / "bench" / "workflow-bench.py")
wb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wb)

from support import PostgresCluster, pg_bin_dir  # noqa: E402

AUTH_TOKEN = "3c1f0e5ad2b94c7e8f6a1b2c3d4e5f60"
ACCOUNT_SID = "AC" + "0" * 32


class FakeTwilio:
    """Answers the Messages API as Twilio does (201 with a SID), so sends succeed at once."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


class Munim:
    """One `munim serve`."""

    def __init__(self, binary: Path, workdir: Path, database_url: str | None, twilio: str) -> None:
        self.port = wb.free_port()
        self.workdir = workdir
        env = dict(os.environ, MUNIM_PORT=str(self.port), MUNIM_HOST="127.0.0.1", MUNIM_DATA_DIR=str(workdir),
                   MUNIM_BCRYPT_COST="4", MUNIM_LOG_LEVEL="warning", MUNIM_TWILIO_API_URL=twilio,
                   MUNIM_PUBLIC_DIR=str(REPO / "Public"), MUNIM_LOGIN_RATE_LIMIT="100000")
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        cmd = [str(binary), "serve"]
        self.log = open(workdir / "server.log", "ab")
        self.proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        api = wb.API(self.port)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"munim exited early:\n{(workdir / 'server.log').read_text(errors='replace')[-3000:]}")
            try:
                if api.call("GET", "/ready", auth=False)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("munim was not ready in time")

    def cpu_seconds(self) -> float:
        return wb.process_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def settle(api: wb.API, limit_s: float = 600) -> None:
    """Until no job is due or running (GET /metrics)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        status, text, _ = api.call("GET", "/metrics", auth=False)
        if status == 200 and isinstance(text, str):
            due = re.search(r"^munim_jobs_due (\S+)", text, re.M)
            running = re.search(r'^munim_jobs\{status="running"\} (\S+)', text, re.M)
            if due and float(due.group(1)) == 0 and (running is None or float(running.group(1)) == 0):
                return
        time.sleep(0.2)
    wb.log("  (jobs still due after the limit; measuring anyway)")


def twilio_signature(url: str, params: dict[str, str]) -> str:
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(AUTH_TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()


def run(label: str, munim: Munim, counts: dict[str, int]) -> dict[str, float]:
    api = wb.API(munim.port)
    me, res = api.must(201, "POST", "/api/v1/auth/signup", {"email": f"cost-{uuid.uuid4().hex[:8]}@example.com",
                                                            "password": "bench password 1", "business_name": "Cost Traders",
                                                            "owner_name": "Bench"})
    for header, value in res.getheaders():
        if header.lower() == "set-cookie" and value.startswith("munim_session="):
            api.cookie = value.split(";", 1)[0].split("=", 1)[1]
    api.csrf = me["csrf_token"]
    customer, _ = api.must(201, "POST", "/api/v1/customers", {"name": "Ramesh", "phone": "+919800000001"})
    api.must(201, "POST", "/api/v1/products", {"name": "Cement", "unit": "bag", "price": 35000, "stock": 1_000_000})
    hooks = {}
    for key, bp in (("a", wb.blueprint_a()), ("b", wb.blueprint_b())):
        wf, _ = api.must(201, "POST", "/api/v1/workflows", {"name": bp["name"], "blueprint": bp})
        api.must(200, "POST", f"/api/v1/workflows/{wf['id']}/activate")
        hooks[key] = f"/hooks/{wf['public_id']}"
    channel, _ = api.must(201, "POST", "/api/v1/channels", {
        "kind": "twilio_whatsapp", "name": "WhatsApp",
        "credentials": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": "+14155238886"}})
    hook_url = channel["webhook_url"]
    hook_path = urllib.parse.urlparse(hook_url).path
    settle(api)

    def op_a(i: int) -> None:
        status, body, _ = api.call("POST", hooks["a"], {"n": i}, auth=False)
        if status != 200:
            raise SystemExit(f"(a) answered {status}: {body}")

    def op_b(i: int) -> None:
        status, body, _ = api.call("POST", hooks["b"], {"n": i, "customer_id": customer["id"], "name": "Asha"}, auth=False)
        if status != 200:
            raise SystemExit(f"(b) answered {status}: {body}")

    def op_inbound(i: int) -> None:
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID, "From": f"whatsapp:+9198{i:08d}",
                  "To": "whatsapp:+14155238886", "Body": "cement ka rate kya hai?", "ProfileName": "Asha", "NumMedia": "0"}
        raw = urllib.parse.urlencode(params).encode()
        conn = wb.http.client.HTTPConnection("127.0.0.1", munim.port, timeout=30)
        conn.request("POST", hook_path, body=raw, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                          "X-Twilio-Signature": twilio_signature(hook_url, params)})
        r = conn.getresponse()
        r.read()
        conn.close()
        if r.status != 200:
            raise SystemExit(f"inbound answered {r.status}")

    def op_assistant(i: int) -> None:
        reply, _ = api.must(200, "POST", "/api/v1/assistant/messages", {"text": "sold 2 bags cement to Ramesh at 350"})
        card = reply.get("card") or {}
        if not card.get("id"):
            raise SystemExit(f"the assistant made no card: {reply}")
        api.must(200, "POST", f"/api/v1/assistant/cards/{card['id']}/confirm", {})

    # What munim spends doing nothing (its job pollers and timers), per second: taken off each
    # phase's CPU in proportion to the phase's wall time, so slow phases are not charged for idling.
    cpu0, t0 = munim.cpu_seconds(), time.monotonic()
    time.sleep(3)
    idle_per_s = (munim.cpu_seconds() - cpu0) / (time.monotonic() - t0)
    wb.log(f"  {label:<10} idle: {idle_per_s * 1000:.1f} ms CPU per second (taken off the figures below)")

    out: dict[str, float] = {}
    for name, op in (("a", op_a), ("b", op_b), ("inbound", op_inbound), ("assistant", op_assistant)):
        n = counts[name]
        cpu0, t0 = munim.cpu_seconds(), time.monotonic()
        for i in range(n):
            op(i)
        settle(api)
        cpu = max(0.0, munim.cpu_seconds() - cpu0 - idle_per_s * (time.monotonic() - t0))
        out[name] = cpu * 1000 / n
        wb.log(f"  {label:<10} {name:<10} {n:5d} ops   {cpu * 1000 / n:7.2f} ms CPU/op")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the operation counts")
    args = parser.parse_args()
    binary = wb.pick_binary()
    base = {"a": 500, "b": 500, "inbound": 200, "assistant": 100}
    counts = {k: max(1, int(v * args.scale)) for k, v in base.items()}
    wb.log(f"munim: {binary} [{wb.build_kind(binary)} build]; sequential; counts {counts}")
    twilio = FakeTwilio()
    table: dict[str, dict[str, float]] = {}
    try:
        for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            workdir = Path(tempfile.mkdtemp(prefix=f"munim-cost-{db}-"))
            pg = None
            try:
                url = None
                if db == "postgres":
                    bin_dir = pg_bin_dir()
                    if bin_dir is None:
                        wb.log("  PostgreSQL binaries not found: skipped")
                        continue
                    pg = PostgresCluster(bin_dir, workdir, database="munim", durable=True)
                    pg.start()
                    url = pg.url
                    wb.log(f"  PostgreSQL {pg.durability}")
                munim = Munim(binary, workdir, url, twilio.url)
                try:
                    table[db] = run(db, munim, counts)
                finally:
                    munim.stop()
            finally:
                if pg is not None:
                    pg.stop()
                shutil.rmtree(workdir, ignore_errors=True)
    finally:
        twilio.stop()
    if "sqlite" in table and "postgres" in table:
        wb.log()
        wb.log(f"  {'operation':<10} {'SQLite ms':>10} {'Postgres ms':>12} {'ratio':>7}   (CPU per operation; target ratio ≤ 1.5 for a and b)")
        for name in base:
            s, p = table["sqlite"][name], table["postgres"][name]
            wb.log(f"  {name:<10} {s:10.2f} {p:12.2f} {p / s if s else float('nan'):7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
