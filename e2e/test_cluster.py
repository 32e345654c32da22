"""The production topology on one machine (issue 7 §3): PostgreSQL, nginx from the compose file's
template, 3 × `munim serve --no-worker` and 2 × `munim worker` (e2e/cluster.py, as scripts/cluster
starts them). No browser: the SSE streams are read as a browser's EventSource reads them.

In file order, on one cluster:
1. sessions: a session made on one instance works through nginx on every instance;
2. events: a run executed by a worker reaches SSE streams connected to every instance and nginx;
3. 1,000 webhook-started runs through nginx all succeed, each step's side effect reaching the
   fake provider exactly once; meanwhile an every-minute schedule fires exactly once per tick;
4. rolling restart: every worker and every instance gets SIGTERM in turn under load and is
   restarted; no step is lost and none runs twice;
5. kill -9 of one instance and one worker mid-load: nginx keeps serving (clients retry a 502 with
   the same Idempotency-Key), no run and no WhatsApp message is lost.

Every wait polls against a deadline. Logs of a failed module are copied to e2e/artifacts/cluster/.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from twilio.request_validator import RequestValidator

from cluster import Cluster
from conftest import ARTIFACTS
from support import API, FakeService, Failure, _log_tail, chain, node, pg_bin_dir, status_counts, wait_until
from test_twilio_signatures import post_form

N_LOAD = 1000
N_ROLLING = 200
N_CRASH = 300


class FakeTwilio:
    """Twilio's Messages and Accounts resources (API v2010 wire format): records each message."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body: dict) -> None:
                out = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def do_GET(self):  # noqa: N802
                sid = self.path.rsplit("/", 1)[-1].removesuffix(".json")
                self._json(200, {"sid": sid, "friendly_name": "Cluster test", "status": "active"})

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = dict(urllib.parse.parse_qsl(raw))
                with fake.lock:
                    fake.messages.append(form)
                self._json(201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "to": form.get("To"),
                                 "body": form.get("Body"), "error_code": None, "error_message": None})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self) -> list[str]:
        with self.lock:
            return [m.get("Body", "") for m in self.messages]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Env:
    def __init__(self, cluster: Cluster, fake: FakeService, twilio: FakeTwilio) -> None:
        self.cluster, self.fake, self.twilio = cluster, fake, twilio
        self.api = API(cluster.url)


@pytest.fixture(scope="module")
def env(request):
    if pg_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries not found; install the postgresql package")
    fake = FakeService(delay=0.05)
    twilio = FakeTwilio()
    cluster = Cluster(serve=3, workers=2, env={
        "MUNIM_ALLOW_PRIVATE_HTTP": "true", "MUNIM_TWILIO_API_URL": twilio.url,
        "MUNIM_WORKER_POLL_MS": "250", "MUNIM_WORKER_CONCURRENCY": "8", "MUNIM_HOOK_RESPONSE_TIMEOUT_MS": "10000",
        "MUNIM_DB_CONNECTIONS_PER_LOOP": "6", "MUNIM_LOG_FORMAT": "json"})
    failed = False
    try:
        cluster.start()
        e = Env(cluster, fake, twilio)
        e.api.sign_up()
        yield e
        failed = request.session.testsfailed > 0
    except BaseException:
        failed = True
        raise
    finally:
        cluster.stop()
        if failed:
            dest = ARTIFACTS / "cluster"
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True, exist_ok=True)
            for log in cluster.logs():
                shutil.copy(log, dest / log.name)
        cluster.remove()
        fake.close()
        twilio.close()


def serves(c: Cluster):
    return [p for p in c.procs.values() if p.port is not None]


def metric(url: str, series: str) -> float:
    conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def fire_hooks(base_url: str, public_id: str, count: int, threads: int, tag: str) -> tuple[dict[int, dict], int]:
    """POSTs `count` webhook calls with Idempotency-Key "<tag>-<i>"; a connection error or 502/503
    (an instance dying under nginx) is retried with the same key. Returns i → reply and the number
    of retries."""
    retries = 0
    lock = threading.Lock()
    host = base_url.removeprefix("http://")

    def one(i: int) -> tuple[int, dict]:
        nonlocal retries
        body = json.dumps({"n": i, "tag": tag})
        for attempt in range(30):
            try:
                conn = http.client.HTTPConnection(host, timeout=60)
                conn.request("POST", f"/hooks/{public_id}", body=body,
                             headers={"Content-Type": "application/json", "Idempotency-Key": f"{tag}-{i}"})
                resp = conn.getresponse()
                text = resp.read().decode()
                conn.close()
                if resp.status in (200, 202):
                    return i, json.loads(text)
                if resp.status not in (502, 503, 504):
                    raise Failure(f"hook {tag}-{i}: HTTP {resp.status} {text[:300]}")
            except (ConnectionError, http.client.HTTPException, TimeoutError, OSError):
                pass
            with lock:
                retries += 1
            time.sleep(0.2 * (attempt + 1))  # client backoff before retrying the same key
        raise Failure(f"hook {tag}-{i}: gave up after 30 attempts")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        replies = dict(pool.map(one, range(count)))
    return replies, retries


def hook_workflow(api: API, name: str, steps: list[dict]) -> dict:
    wf = api.post("/api/v1/workflows", {"name": name, "blueprint": chain(name, [
        node("trigger", "trigger", "webhook", "receive", {}, 0), *steps])})
    api.call("POST", f"/api/v1/workflows/{wf['id']}/activate", {})
    return api.get(f"/api/v1/workflows/{wf['id']}")


def wait_all_finished(api: API, wf_id: str, n: int, c: Cluster, timeout: float = 300) -> list[dict]:
    def done():
        listed = api.runs(wf_id)
        counts = status_counts(listed)
        return listed if sum(counts.get(s, 0) for s in ("succeeded", "failed", "cancelled")) >= n else None
    return wait_until(f"{n} runs to finish", done, timeout,
                      lambda: f"{status_counts(api.runs(wf_id))}\n" + "\n".join(
                          f"--- {p.name}\n{_log_tail(p.log, 1500)}" for p in c.procs.values()))


# --- 1. sessions -----------------------------------------------------------------------------------

def test_session_made_on_one_instance_works_through_every_instance(env: Env):
    c = env.cluster
    first = serves(c)[0]
    login = API(first.url)
    body, headers = login.call("POST", "/api/v1/auth/signup", {
        "email": f"owner-{uuid.uuid4().hex[:10]}@example.com", "password": "cluster-pass-123",
        "business_name": "Cluster Traders", "owner_name": "Asha"})
    cookie = next(x.split(";", 1)[0] for x in headers.get_all("Set-Cookie") if x.startswith("munim_session="))
    before = {p.name: metric(p.url, 'munim_http_requests_total{method="GET",route="/api/v1/me",status="200"}') for p in serves(c)}
    through = API(c.url)
    for _ in range(12):
        me, _ = through.call("GET", "/api/v1/me", headers={"Cookie": cookie})
        assert me["business"]["business_name"] == "Cluster Traders"
    # A write with the session's CSRF token, through nginx, lands on whichever instance.
    created, _ = through.call("POST", "/api/v1/customers", {"name": "Round Robin Stores"},
                              headers={"Cookie": cookie, "X-CSRF-Token": body["csrf_token"]})
    assert created["name"] == "Round Robin Stores"
    # nginx's request id reaches the app: returned to the client, in nginx's access log, and in the
    # instance's JSON log line for the request.
    _, h = through.call("GET", "/api/v1/me", headers={"Cookie": cookie})
    rid = h.get("X-Request-ID")
    assert rid and re.fullmatch(r"[0-9a-f]{32}", rid), f"not nginx's $request_id: {rid!r}"

    def logged() -> bool:
        if f"rid={rid}" not in (c.root / "nginx-access.log").read_text():
            return False
        for p in serves(c):
            for line in p.log.read_text(errors="replace").splitlines():
                if rid in line and line.startswith("{"):
                    entry = json.loads(line)
                    return entry["request_id"] == rid and entry["msg"] == "request finished" and entry["status"] == "200"
        return False
    wait_until("the request id in nginx's and the instance's logs", logged, 20)
    after = {p.name: metric(p.url, 'munim_http_requests_total{method="GET",route="/api/v1/me",status="200"}') for p in serves(c)}
    served = {name: after[name] - before[name] for name in after}
    assert all(v >= 1 for v in served.values()), f"nginx should spread the 12 requests over every instance: {served}"
    assert sum(served.values()) == 13


# --- 2. events fan out -------------------------------------------------------------------------------

class SSEReader:
    """Reads an SSE stream on a daemon thread, as EventSource does; keeps (event, data) pairs."""

    def __init__(self, base_url: str, token: str) -> None:
        self.events: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.conn = http.client.HTTPConnection(base_url.removeprefix("http://"), timeout=120)
        self.conn.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200, self.resp.status
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind, data = None, None
        try:
            for raw in self.resp:
                line = raw.decode().rstrip("\n")
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and kind:
                    with self.lock:
                        self.events.append((kind, data))
                    kind, data = None, None
        except Exception:  # noqa: BLE001 — the stream ends when close() shuts the socket down
            pass

    def seen(self, kind: str, pred) -> bool:
        with self.lock:
            return any(k == kind and pred(d) for k, d in self.events)

    def close(self) -> None:
        try:
            self.conn.sock.shutdown(2)  # unblocks the reader thread
        except OSError:
            pass
        self.conn.close()


def test_an_event_from_a_worker_reaches_streams_on_every_instance(env: Env):
    c, api = env.cluster, env.api
    readers = {p.name: SSEReader(p.url, api.token) for p in serves(c)}
    readers["nginx"] = SSEReader(c.url, api.token)
    try:
        for name, r in readers.items():
            assert r.connected.wait(30), f"{name}: no ': connected' line"
        wf = api.post("/api/v1/workflows", {"name": "Fan-out", "blueprint": chain("Fan-out", [
            node("trigger", "trigger", "manual", "start", {}, 0),
            node("note", "action", "data", "set", {"values": {"x": "{{trigger.x}}"}}, 250)])})
        run = api.post(f"/api/v1/workflows/{wf['id']}/runs", {"payload": {"x": "hello"}})
        # Serve instances run no jobs here: the run is executed by a worker process, and its
        # events reach the instances only through PostgreSQL LISTEN/NOTIFY.
        for name, r in readers.items():
            wait_until(f"run.updated (succeeded) on the stream via {name}",
                       lambda r=r: r.seen("run.updated", lambda d: d["id"] == run["id"] and d["data"]["status"] == "succeeded"),
                       30, lambda r=r: str(r.events[-5:]))
        steps = api.get(f"/api/v1/runs/{run['id']}")["steps"]
        assert {s["node_id"]: s["status"] for s in steps} == {"trigger": "succeeded", "note": "succeeded"}
    finally:
        for r in readers.values():
            r.close()


# --- 3. 1,000 runs exactly once, schedules once per tick ----------------------------------------------

def test_thousand_runs_exactly_once_and_schedules_once_per_tick(env: Env):
    c, api, fake = env.cluster, env.api, env.fake
    # An every-minute schedule, active for the whole load.
    sched = api.post("/api/v1/workflows", {"name": "Every minute", "blueprint": chain("Every minute", [
        node("trigger", "trigger", "schedule", "cron", {"cron": "* * * * *", "timezone": "UTC"}, 0),
        node("note", "action", "data", "set", {"values": {"tick": "{{trigger.scheduled_for}}"}}, 250)])})
    api.call("POST", f"/api/v1/workflows/{sched['id']}/activate", {})
    activated = datetime.now(timezone.utc)

    wf = hook_workflow(api, "Thousand", [
        node("call", "action", "http", "request",
             {"method": "POST", "url": fake.url, "body": {"n": "{{trigger.n}}", "tag": "{{trigger.tag}}"}}, 250),
        node("note", "action", "data", "set", {"values": {"n": "{{trigger.n}}"}}, 500)])
    before, _ = fake.snapshot()
    started = time.monotonic()
    replies, retries = fire_hooks(c.url, wf["public_id"], N_LOAD, threads=16, tag="load")
    elapsed = time.monotonic() - started
    assert len(replies) == N_LOAD
    run_ids = {r["run_id"].lower() for r in replies.values()}
    assert len(run_ids) == N_LOAD, "each call started its own run"

    listed = wait_all_finished(api, wf["id"], N_LOAD, c)
    assert {r["id"].lower() for r in listed} == run_ids
    assert status_counts(listed) == {"succeeded": N_LOAD}, [r for r in listed if r["status"] != "succeeded"][:3]

    seen, _ = fake.snapshot()
    calls = [(k, b) for k, b in seen[len(before):] if isinstance(b, dict) and b.get("tag") == "load"]
    keys = [k for k, _ in calls]
    assert len(keys) == N_LOAD and len(set(keys)) == N_LOAD, \
        f"{len(keys)} calls for {len(set(keys))} keys: every step's side effect exactly once"
    assert set(keys) == {f"{rid}-call" for rid in run_ids}
    assert sorted(int(b["n"]) for _, b in calls) == list(range(N_LOAD))

    # Schedules: at least two ticks observed, each exactly once.
    def ticks():
        runs = api.runs(sched["id"])
        return runs if len(runs) >= 2 and all(r["status"] == "succeeded" for r in runs) else None
    sched_runs = wait_until("two schedule ticks", ticks, 150, lambda: str(api.runs(sched["id"])))
    checked = datetime.now(timezone.utc)
    fired = [api.get(f"/api/v1/runs/{r['id']}") for r in sched_runs]
    fired_ticks = [next(s for s in run["steps"] if s["node_id"] == "note")["output"]["tick"] for run in fired]
    assert len(fired_ticks) == len(set(fired_ticks)), f"a tick fired twice: {sorted(fired_ticks)}"
    parsed = sorted(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in fired_ticks)
    minute = timedelta(minutes=1)
    first_due = (activated + minute).replace(second=0, microsecond=0)
    expected, t = [], first_due
    while t <= checked - timedelta(seconds=15):
        expected.append(t)
        t += minute
    assert all(activated - minute <= p <= checked for p in parsed), parsed
    assert set(expected) <= set(parsed), f"missed ticks: {sorted(set(expected) - set(parsed))}"
    api.call("POST", f"/api/v1/workflows/{sched['id']}/deactivate", {})
    print(f"\n{N_LOAD} webhook runs through nginx in {elapsed:.1f}s ({N_LOAD / elapsed:.0f}/s, {retries} retried calls); "
          f"schedule ticks {[p.strftime('%H:%M') for p in parsed]}")


# --- 4. rolling restart -----------------------------------------------------------------------------------

def test_rolling_restart_loses_no_step_and_runs_none_twice(env: Env):
    c, api = env.cluster, env.api
    slow = FakeService(delay=0.2)  # steps in flight while processes stop
    try:
        wf = hook_workflow(api, "Rolling", [
            node("call", "action", "http", "request",
                 {"method": "POST", "url": slow.url, "body": {"n": "{{trigger.n}}"}}, 250),
            node("note", "action", "data", "set", {"values": {"n": "{{trigger.n}}"}}, 500)])
        result: dict = {}
        loader = threading.Thread(target=lambda: result.update(
            zip(("replies", "retries"), fire_hooks(c.url, wf["public_id"], N_ROLLING, threads=8, tag="rolling"))))
        loader.start()
        wait_until("the load to be under way", lambda: len(slow.snapshot()[0]) >= 20, 60)
        codes = {}
        for name in [*[p.name for p in c.procs.values() if p.port is None], *[p.name for p in serves(c)]]:
            codes[name] = c.kill(name, signal.SIGTERM)
            c.restart(name)
        loader.join(timeout=300)
        assert not loader.is_alive(), "the load did not finish"
        assert all(code == 0 for code in codes.values()), f"SIGTERM exit codes: {codes}"
        replies = result["replies"]
        run_ids = {r["run_id"].lower() for r in replies.values()}
        assert len(run_ids) == N_ROLLING
        listed = wait_all_finished(api, wf["id"], N_ROLLING, c)
        assert status_counts(listed) == {"succeeded": N_ROLLING}
        keys = [k for k, _ in slow.snapshot()[0]]
        assert len(keys) == N_ROLLING and set(keys) == {f"{rid}-call" for rid in run_ids}, \
            f"{len(keys)} calls for {len(set(keys))} keys: no step lost, none run twice"
        print(f"\nrolling restart of {list(codes)} under load: {N_ROLLING} runs, {len(keys)} calls, "
              f"{result['retries']} client retries")
    finally:
        slow.close()


# --- 5. kill -9 --------------------------------------------------------------------------------------------

def test_kill_9_of_an_instance_and_a_worker_loses_nothing(env: Env):
    c, api, fake, twilio = env.cluster, env.api, env.fake, env.twilio
    channel = api.post("/api/v1/channels", {"kind": "twilio_whatsapp", "name": "Cluster WhatsApp", "credentials": {
        "account_sid": "AC" + "1" * 32, "auth_token": "cluster-auth-token", "from_number": "+14155238886"}})
    wait_until("the channel to be verified", lambda: any(
        ch["id"] == channel["id"] and ch["status"] == "connected" for ch in api.get("/api/v1/channels")["items"]), 60)
    # The customer writes first: WhatsApp takes free text only within 24 hours of their last message.
    hello = {"MessageSid": "SM" + uuid.uuid4().hex, "From": "whatsapp:+919800000123", "To": "whatsapp:+14155238886",
             "Body": "order status?", "NumMedia": "0", "AccountSid": "AC" + "1" * 32, "WaId": "919800000123"}
    hook = channel["webhook_url"]
    assert post_form(hook, hello, RequestValidator("cluster-auth-token").compute_signature(hook, hello)) == 200
    wf = hook_workflow(api, "Crash", [
        node("send", "action", "whatsapp", "send_message",
             {"to": "+919800000123", "text": "crash-order {{trigger.n}}", "channel_id": channel["id"]}, 250),
        node("call", "action", "http", "request",
             {"method": "POST", "url": fake.url, "body": {"n": "{{trigger.n}}", "tag": "crash"}}, 500)])
    result: dict = {}
    loader = threading.Thread(target=lambda: result.update(
        zip(("replies", "retries"), fire_hooks(c.url, wf["public_id"], N_CRASH, threads=12, tag="crash"))))
    loader.start()
    wait_until("some crash-load messages to be sent", lambda: sum(b.startswith("crash-order") for b in twilio.bodies()) >= 40, 120)
    c.kill("serve-2", signal.SIGKILL)
    c.kill("worker-1", signal.SIGKILL)
    # nginx keeps serving with an instance gone.
    for _ in range(6):
        assert api.get("/api/v1/me")["business"]
    loader.join(timeout=400)
    assert not loader.is_alive(), "the load did not finish"
    replies = result["replies"]
    run_ids = {r["run_id"].lower() for r in replies.values()}
    assert len(replies) == N_CRASH and len(run_ids) == N_CRASH, "one run per webhook call, retries deduplicated"

    listed = wait_all_finished(api, wf["id"], N_CRASH, c, timeout=400)
    assert {r["id"].lower() for r in listed} == run_ids
    assert status_counts(listed) == {"succeeded": N_CRASH}, [r for r in listed if r["status"] != "succeeded"][:3]
    # Every WhatsApp message reaches the provider (a send interrupted by the kill may repeat). A
    # send the killed worker held is taken over when its outbox lease runs out.
    expected = {f"crash-order {i}" for i in range(N_CRASH)}
    wait_until("every WhatsApp message at the provider", lambda: expected <= set(twilio.bodies()), 240,
               lambda: f"missing: {sorted(expected - set(twilio.bodies()))[:10]}")
    bodies = [b for b in twilio.bodies() if b.startswith("crash-order")]
    assert set(bodies) == expected
    calls = [k for k, b in fake.snapshot()[0] if isinstance(b, dict) and b.get("tag") == "crash"]
    assert set(calls) == {f"{rid}-call" for rid in run_ids}
    c.restart("serve-2")
    c.restart("worker-1")
    print(f"\nkill -9 serve-2 + worker-1 mid-load: {N_CRASH} runs all succeeded, {result['retries']} client retries, "
          f"{len(bodies) - N_CRASH} WhatsApp re-sends, {len(calls) - N_CRASH} http re-sends (same key)")
