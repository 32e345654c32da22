"""Reliability across real process deaths (issue 14). No browser: these tests drive `munim`
processes through the HTTP API, kill them and start them again.

1. test_crash_looping_job_is_retired: a job whose handler kills its own process (`test.crash`,
   registered with MUNIM_TEST_HOOKS=1, lease 2 s) must not crash the server forever. Each start
   claims it (the first claim after a restart waits for the dead process's lease to run out) and
   dies; reclaiming an expired lease counts as an attempt, so after max_attempts (3) starts that
   died, the next start marks it `dead` ("the worker stopped while running it 3 times") and stays
   up. GET /api/v1/ops/dead-jobs lists it; DELETE discards it.

2. test_idempotency_keys_survive_kill: 200 concurrent POST /api/v1/payments, each with its own
   Idempotency-Key, and the server is SIGKILLed while they are in flight. A key whose request was
   in progress at the kill is held only for a lease (MUNIM_IDEMPOTENCY_LEASE_SECONDS=2); after the
   restart, retrying every key with the same body gives each one payment: the same one for keys
   answered before the kill (a replay), one new payment for the rest — 200 payments, exactly once.

Both run on SQLite and, when PostgreSQL binaries exist, on a throwaway cluster. With
MUNIM_TEST_CPU_HOG=1 the idempotency test also runs with a busy loop on every core alongside
(issue 14 §5).

Every wait polls the process, the API or the database against a deadline; processes, the cluster
and temp directories are cleaned up by the fixtures of test_workflow_durability.py (the logs of a
failed test are copied to e2e/artifacts/<test>/)."""

from __future__ import annotations

import http.client
import json
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import _wait_ready
from support import (API, Failure, PostgresCluster, Processes, _free_port, _log_tail, base_env, cpu_hog, cpu_hog_wanted,
                     insert_job_pg, insert_job_sqlite, job_pg, job_sqlite, sqlite_connect, wait_until)
from test_workflow_durability import pg_cluster, procs, workdir  # noqa: F401 (fixtures)

CPU_HOG_SECONDS = 600  # an upper bound; the hog is stopped when the test ends


# --- the database behind the server ------------------------------------------------------------------


@dataclass
class Backend:
    """The database a test's munim processes share, with the test's own way into it."""

    name: str
    env: dict
    sqlite_path: Path | None = None
    cluster: PostgresCluster | None = None

    def insert_job(self, **fields) -> str:
        if self.cluster is not None:
            return insert_job_pg(self.cluster, **fields)
        return insert_job_sqlite(self.sqlite_path, **fields)

    def job(self, job_id: str) -> dict | None:
        if self.cluster is not None:
            return job_pg(self.cluster, job_id)
        return job_sqlite(self.sqlite_path, job_id)

    def unfinished_idempotency_keys(self) -> set[str]:
        """Keys whose first request had not finished (no stored status) — in flight at a kill."""
        if self.cluster is not None:
            return {r[0] for r in self.cluster.sql("SELECT key FROM idempotency_keys WHERE status IS NULL")}
        conn = sqlite_connect(self.sqlite_path)
        try:
            return {r[0] for r in conn.execute("SELECT key FROM idempotency_keys WHERE status IS NULL")}
        finally:
            conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, workdir: Path) -> Backend:  # noqa: F811 (workdir is the imported fixture)
    if request.param == "postgres":
        cluster = request.getfixturevalue("pg_cluster")  # skips when PostgreSQL is not installed
        return Backend("postgres", {"DATABASE_URL": cluster.url, "MUNIM_DATA_DIR": str(workdir / "data")}, cluster=cluster)
    path = workdir / "data" / "munim.sqlite"
    return Backend("sqlite", {"DATABASE_URL": f"sqlite:///{path}", "MUNIM_DATA_DIR": str(workdir / "data")}, sqlite_path=path)


def serve_args(port: int) -> list[str]:
    return ["serve", "--hostname", "127.0.0.1", "--port", str(port)]


def stop(proc, log_path: Path) -> None:
    """SIGTERM and wait: the graceful stop hands its leases back."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except Exception:
        proc.kill()
        proc.wait(timeout=10)
        raise Failure(f"munim did not stop within 30 s of SIGTERM\n{_log_tail(log_path)}")


def health_ok(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return False


def same_id(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


def api_as(base_url: str, method: str, path: str, headers: dict, body: dict | None = None, expect=(200,)):
    """A request with the given session headers (cookie + CSRF) instead of a token."""
    return API(base_url).call(method, path, body, headers=headers, expect=expect)


def staff_headers(owner: API) -> dict:
    """A staff member of the owner's business, logged in with their own password: session headers."""
    email = f"staff-{uuid.uuid4().hex[:10]}@example.com"
    created = owner.post("/api/v1/staff", {"email": email, "name": "Ravi Staff"})
    one_time = created["one_time_password"]
    login, headers = API(owner.base_url).call("POST", "/api/v1/auth/login", {"email": email, "password": one_time})
    cookie = next(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") if c.startswith("munim_session="))
    session = {"Cookie": cookie, "X-CSRF-Token": login["csrf_token"]}
    API(owner.base_url).call("POST", "/api/v1/me/password", {"current_password": one_time, "new_password": "staff-pass-4567"},
                             headers=session, expect=(200, 204))
    return session


# --- test 1: a crash-looping job is retired ------------------------------------------------------------

CRASH_MAX_ATTEMPTS = 3
MAX_STARTS = 8
START_TIMEOUT_S = 90  # per start: migrate, come up, wait out the 2 s lease, claim, die (generous for a loaded CI)


def test_crash_looping_job_is_retired(backend: Backend, workdir: Path, procs: Processes):  # noqa: F811
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = base_env(MUNIM_PORT=str(port), MUNIM_WORKER_POLL_MS="100", **backend.env)
    log_path = workdir / "serve.log"

    # setup: a business, then the server stops and a job that kills its worker is planted.
    first = procs.start(serve_args(port), env, log_path, cwd=workdir)
    _wait_ready(first, base_url, log_path)
    api = API(base_url)
    api.sign_up()
    business_id = api.get("/api/v1/business")["id"]
    stop(first, log_path)
    job_id = backend.insert_job(kind="test.crash", business_id=business_id, payload={"why": "issue 14 crash loop"},
                                max_attempts=CRASH_MAX_ATTEMPTS)
    assert backend.job(job_id)["status"] == "queued"

    # act: start with the test hooks until a start stays up.
    hooks_env = {**env, "MUNIM_TEST_HOOKS": "1"}
    crashes: list[dict] = []  # the job's row after each start that died
    settled_job = None
    for start in range(1, MAX_STARTS + 1):
        proc = procs.start(serve_args(port), hooks_env, log_path, cwd=workdir)

        def settled(proc=proc):
            rc = proc.poll()
            if rc is not None:
                return ("exited", rc)
            job = backend.job(job_id)
            if job is None or job["status"] in ("dead", "failed"):
                return ("up", job) if health_ok(base_url) else None
            return None

        what, detail = wait_until(
            f"start {start}: the process to die running test.crash, or the job to be retired while it stays up",
            settled, START_TIMEOUT_S, lambda: f"job: {backend.job(job_id)}\n{_log_tail(log_path)}")
        if what == "exited":
            if detail != -signal.SIGKILL:
                raise Failure(f"start {start} exited with code {detail}, not by SIGKILL from the test.crash handler "
                              f"(job: {backend.job(job_id)})\n{_log_tail(log_path)}")
            crashes.append(backend.job(job_id))
            continue
        settled_job = detail
        break
    else:
        raise Failure(f"still crash-looping after {MAX_STARTS} starts: the job was never retired "
                      f"(job: {backend.job(job_id)}; rows after each crash: {crashes})\n{_log_tail(log_path)}")

    # verify: died exactly max_attempts times, each start that died spent one attempt.
    assert len(crashes) == CRASH_MAX_ATTEMPTS, (
        f"the server died {len(crashes)} time(s) running the job, expected {CRASH_MAX_ATTEMPTS} "
        f"(job now: {settled_job}; rows after each crash: {crashes})")
    assert [c["attempts"] for c in crashes] == list(range(1, CRASH_MAX_ATTEMPTS + 1)), crashes
    assert settled_job is not None, "the dead job was deleted instead of kept for the operator"
    assert settled_job["status"] == "dead", settled_job
    assert f"stopped while running it {CRASH_MAX_ATTEMPTS} times" in (settled_job["last_error"] or ""), settled_job

    # The start that retired it stays up: /health answers throughout the next 3 seconds.
    live = procs.procs[-1]
    up_since = time.monotonic()
    while time.monotonic() - up_since < 3.0:
        assert live.poll() is None, f"the server exited with code {live.returncode} after retiring the job\n{_log_tail(log_path)}"
        assert health_ok(base_url), f"/health did not answer after the job was retired\n{_log_tail(log_path)}"
        time.sleep(0.2)  # the sampling interval of a 3-second liveness check, not synchronization
    job_after = backend.job(job_id)
    assert job_after is not None and job_after["status"] == "dead", f"the retired job changed: {job_after}"

    # The operator sees it.
    listed = api.get("/api/v1/ops/dead-jobs")
    assert "next_cursor" in listed, listed
    item = next((i for i in listed["items"] if same_id(i["id"], job_id)), None)
    assert item is not None, f"GET /api/v1/ops/dead-jobs does not list {job_id}: {listed}"
    assert item["kind"] == "test.crash" and item["status"] == "dead", item
    assert item["attempts"] == CRASH_MAX_ATTEMPTS and item["max_attempts"] == CRASH_MAX_ATTEMPTS, item
    assert f"stopped while running it {CRASH_MAX_ATTEMPTS} times" in item["last_error"], item
    assert isinstance(item["subject"], str) and item["subject"], item
    assert "subject_id" in item, item
    assert isinstance(item["failed_at"], str) and item["failed_at"][:4].isdigit() and "T" in item["failed_at"], item
    one = api.get("/api/v1/ops/dead-jobs?limit=1")
    assert len(one["items"]) == 1, one

    # Owners only: no credentials → 401; staff (password already changed) → 403 and cannot retry or discard.
    anonymous = API(base_url)
    anonymous.call("GET", "/api/v1/ops/dead-jobs", expect=(401,))
    staff = staff_headers(api)
    denied, _ = api_as(base_url, "GET", "/api/v1/ops/dead-jobs", staff, expect=(403,))
    assert denied["error"]["code"] != "password_change_required", denied
    api_as(base_url, "POST", f"/api/v1/ops/dead-jobs/{job_id}/retry", staff, body={}, expect=(403,))
    api_as(base_url, "DELETE", f"/api/v1/ops/dead-jobs/{job_id}", staff, expect=(403,))

    # Discard: 204, then it is no longer listed and no longer waits in the queue as dead.
    api.call("DELETE", f"/api/v1/ops/dead-jobs/{job_id}", expect=(204,))
    after = api.get("/api/v1/ops/dead-jobs")
    assert not any(same_id(i["id"], job_id) for i in after["items"]), after
    gone = backend.job(job_id)
    assert gone is None or gone["status"] not in ("dead", "failed", "queued", "running"), gone
    assert live.poll() is None, f"the server exited\n{_log_tail(log_path)}"
    print(f"\n[{backend.name}] died {len(crashes)} times (attempts after each: {[c['attempts'] for c in crashes]}); "
          f"retired as: {settled_job['last_error']!r}")


# --- test 2: Idempotency-Keys survive a kill -----------------------------------------------------------

N_PAYMENTS = 200
CLIENT_THREADS = 32
KILL_AFTER_REPLIES = 60
AMOUNT = 100
LEASE_S = 2


@dataclass
class Reply:
    status: int | None  # None: no HTTP answer (the process died, or the connection was refused)
    payment_id: str | None = None
    code: str | None = None  # error code of a non-2xx reply
    replayed: bool = False
    error: str | None = None


def post_payment(base_url: str, token: str, key: str, body: dict, timeout: float = 60) -> Reply:
    req = urllib.request.Request(f"{base_url}/api/v1/payments", data=json.dumps(body).encode(), method="POST", headers={
        "Accept": "application/json", "Content-Type": "application/json", "Authorization": f"Bearer {token}",
        "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, text, headers = resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as e:
        status, text, headers = e.code, e.read().decode(errors="replace"), e.headers
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        return Reply(None, error=f"{type(e).__name__}: {e}")
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return Reply(status, error=f"not JSON: {text[:200]}")
    if 200 <= status < 300:
        return Reply(status, payment_id=data.get("id"), replayed=headers.get("Idempotent-Replayed") == "true")
    return Reply(status, code=(data.get("error") or {}).get("code"), error=text[:300])


def in_progress(r: Reply) -> bool:
    return r.status == 409 and r.code == "idempotency_in_progress"


def busy(r: Reply) -> bool:
    """503 busy (docs/api-contract.md): nothing was changed; the client sends the same request again."""
    return r.status == 503 and r.code == "busy"


@pytest.mark.parametrize("hog", [
    pytest.param(False, id="quiet"),
    pytest.param(True, id="cpu-hog", marks=pytest.mark.skipif(
        not cpu_hog_wanted(), reason="MUNIM_TEST_CPU_HOG=1 runs it with a busy loop on every core (issue 14 §5)")),
])
def test_idempotency_keys_survive_kill(backend: Backend, workdir: Path, procs: Processes, hog: bool):  # noqa: F811
    if hog:
        with cpu_hog(CPU_HOG_SECONDS) as h:
            assert h.running, "the CPU hog did not start"
            _idempotency_keys_survive_kill(backend, workdir, procs)
    else:
        _idempotency_keys_survive_kill(backend, workdir, procs)


def _idempotency_keys_survive_kill(backend: Backend, workdir: Path, procs: Processes) -> None:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    # A key's lease is fixed when the key is taken, by the process that takes it, so both processes
    # get the short lease. No key is sent twice before the kill: the short lease changes nothing there.
    env = base_env(MUNIM_PORT=str(port), MUNIM_IDEMPOTENCY_LEASE_SECONDS=str(LEASE_S), **backend.env)
    log_path = workdir / "serve.log"
    first = procs.start(serve_args(port), env, log_path, cwd=workdir)
    _wait_ready(first, base_url, log_path)

    # setup
    api = API(base_url)
    api.sign_up()
    customer = api.post("/api/v1/customers", {"name": "Idempotent Customer", "phone": "+919800000014"})
    balance_before = api.balance(customer["id"])
    body = {"customer_id": customer["id"], "amount": AMOUNT, "mode": "cash"}
    keys = [f"issue14-{i:03d}-{uuid.uuid4()}" for i in range(N_PAYMENTS)]

    # act 1: 200 concurrent creates; SIGKILL once KILL_AFTER_REPLIES have been answered.
    before: dict[str, Reply] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def one(key: str) -> None:
        r = post_payment(base_url, api.token, key, body)
        with lock:
            before[key] = r
            if sum(1 for x in before.values() if x.status is not None) >= KILL_AFTER_REPLIES:
                enough.set()

    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        futures = [pool.submit(one, k) for k in keys]
        if not enough.wait(timeout=180):
            raise Failure(f"fewer than {KILL_AFTER_REPLIES} of {N_PAYMENTS} payments were answered in 180 s: "
                          f"{sum(1 for x in before.values() if x.status is not None)}\n{_log_tail(log_path)}")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        for f in futures:
            f.result(timeout=120)
    answered = {k: r for k, r in before.items() if r.status is not None}
    ok_before = {k: r for k, r in answered.items() if 200 <= r.status < 300}
    busy_before = {k: r for k, r in answered.items() if busy(r)}
    bad_before = {k: r for k, r in answered.items() if not 200 <= r.status < 300 and not busy(r)}
    unfinished = backend.unfinished_idempotency_keys() & set(keys)
    assert len(ok_before) < N_PAYMENTS, "every payment was answered before the kill: nothing was in flight"
    assert unfinished, (f"no Idempotency-Key was in progress at the kill ({len(ok_before)} answered before it), so the "
                        "test exercised nothing; kill earlier")

    # act 2: restart; an in-progress key answers 409 until its lease runs out, then runs or replays.
    second = procs.start(serve_args(port), env, log_path, cwd=workdir)
    _wait_ready(second, base_url, log_path)
    restarted = time.monotonic()
    def retry(key: str) -> Reply:
        """The same request again, polled while it answers 409 idempotency_in_progress or 503 busy."""
        last: list[Reply] = []

        def answer():
            r = post_payment(base_url, api.token, key, body)
            last[:] = [r]
            return None if in_progress(r) or busy(r) else r
        return wait_until(f"{key} to stop answering 409 idempotency_in_progress / 503 busy (lease {LEASE_S} s; it was "
                          f"{'in progress' if key in unfinished else 'not in progress'} at the kill)", answer, 60,
                          lambda: f"last answer: {last}\n{_log_tail(log_path, 1500)}")

    # The last key sent of those in progress is the likeliest to have committed nothing, so that its
    # retry waits out the lease rather than replaying.
    probe_key = max(unfinished)
    retry(probe_key)  # its answer is checked with all the others below
    lease_wait = time.monotonic() - restarted

    with ThreadPoolExecutor(max_workers=8) as pool:
        after = dict(zip(keys, pool.map(retry, keys)))

    # verify: every key has a payment; keys answered before the kill replay theirs.
    failed = {k: r for k, r in after.items() if r.status not in (200, 201) or not r.payment_id}
    if failed:
        kinds: dict[str, int] = {}
        for k, r in failed.items():
            what = f"{r.status} {r.code or ''}".strip() + (" (in progress at the kill)" if k in unfinished else "")
            kinds[what] = kinds.get(what, 0) + 1
        raise Failure(f"{len(failed)} of {N_PAYMENTS} retried keys did not answer 2xx with a payment: {kinds} "
                      f"({len(unfinished)} were in progress at the kill, {len(ok_before)} answered 2xx before it); "
                      f"e.g. {next(iter(failed.values()))}")
    changed = {k: (r.payment_id, after[k].payment_id) for k, r in ok_before.items() if not same_id(r.payment_id, after[k].payment_id)}
    assert not changed, f"{len(changed)} key(s) answered before the kill got another payment on retry: {list(changed.items())[:3]}"
    not_replayed = [k for k in ok_before if not after[k].replayed or after[k].status != ok_before[k].status]
    assert not not_replayed, (f"{len(not_replayed)} key(s) answered before the kill were not replayed with the same status "
                              f"and Idempotent-Replayed: true, e.g. {[(k, after[k]) for k in not_replayed[:3]]}")
    ids = {r.payment_id.lower() for r in after.values()}
    assert len(ids) == N_PAYMENTS, f"{len(ids)} distinct payments for {N_PAYMENTS} keys"

    # Exactly once in the ledger.
    payments = api.all_pages(f"/api/v1/payments?customer_id={customer['id']}")
    assert len(payments) == N_PAYMENTS, f"{len(payments)} payments recorded for {N_PAYMENTS} keys"
    assert {p["id"].lower() for p in payments} == ids, "the recorded payments are not the ones the keys answered with"
    assert all(p["amount"] == AMOUNT for p in payments)
    assert api.balance(customer["id"]) - balance_before == -N_PAYMENTS * AMOUNT

    replayed_unfinished = sum(1 for k in unfinished if after[k].replayed)
    print(f"\n[{backend.name}] killed after {len(answered)} replies ({len(ok_before)} 2xx, {len(busy_before)} 503 busy, "
          f"{len(bad_before)} other); "
          f"{len(unfinished)} key(s) in progress at the kill ({replayed_unfinished} of them had committed and replayed); "
          f"the retried key {probe_key[:11]} answered {lease_wait:.1f} s after the restart was ready; "
          f"{sum(1 for r in after.values() if r.replayed)} replays in all")
    # A non-2xx before the kill other than 503 busy (which asks for a retry) is a server bug; reported last
    # so that the exactly-once checks above speak first.
    assert not bad_before, (f"{len(bad_before)} request(s) failed before the kill, e.g. {list(bad_before.items())[:3]}\n"
                            f"{_log_tail(log_path, 2000)}")
