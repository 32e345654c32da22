"""Durability of the workflow engine across real processes (DESIGN §7: "a crash re-runs at most the
step in flight, with the same idempotency key"; docs/workflows-api.md).

No browser: these tests drive `munim` processes through the HTTP API and kill and restart them.

1. test_kill_9_mid_run_resumes_every_run_exactly_once (SQLite, one `munim serve` with its embedded
   worker): 60 runs of trigger → http POST to a local fake (150 ms per call) → ledger/record_payment
   → data/set. The process is killed with SIGKILL while some runs have finished and HTTP calls are in
   flight, then restarted on the same data directory. Every run must finish, each with one succeeded
   step row per node; the ledger must hold exactly one payment per run; the fake must have seen every
   run's Idempotency-Key, a re-sent call (the step interrupted by the crash) carrying the same key.

2. test_two_workers_on_postgres_never_double_execute (PostgreSQL): one `munim serve --no-worker` and
   two `munim worker` processes share a throwaway cluster. 200 runs of trigger → record_payment →
   data/set must all succeed, exactly one payment each, every step on its first attempt. A trigger
   installed on the `jobs` table (test instrumentation only) records every claim with its lease
   owner ("host/pid/…"), which shows that no step job was claimed twice and that both workers ran
   jobs (the workers' info log has no per-job line).

The runs are started by concurrent POSTs. Every one must succeed; a failed request is reported at
the end of the test, after the runs that were created have been checked, so one problem does not
hide another.

Every wait polls the API or the database against a deadline; processes, the PostgreSQL cluster and
temp directories are cleaned up by fixtures even when a test fails (the logs of a failed test are
copied to e2e/artifacts/<test>/ first)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ARTIFACTS, _wait_ready
from support import (API, FakeService, PostgresCluster, Processes, _free_port, _log_tail, base_env, chain, cpu_hog,
                     cpu_hog_wanted, node, pg_bin_dir, status_counts, wait_until)


@pytest.fixture
def workdir(request):
    """A temp directory for data and logs, removed afterwards; when the test failed, its logs are
    copied to e2e/artifacts/<test>/ first."""
    d = Path(tempfile.mkdtemp(prefix="munim-durability-"))
    try:
        yield d
    finally:
        call = getattr(request.node, "rep_call", None)
        if call is not None and call.failed:
            dest = ARTIFACTS / request.node.name
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True, exist_ok=True)
            for log in [*d.glob("*.log"), *d.glob("pg/*.log")]:
                shutil.copy(log, dest / log.name)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def procs():
    p = Processes()
    try:
        yield p
    finally:
        p.stop_all()


class StartedRuns:
    """The runs a burst of concurrent POST /workflows/{id}/runs created (run id → n), and the
    requests that failed. A failed request is a server bug; the tests check the runs that were
    created and report the failures at the end, so one problem does not hide another."""

    def __init__(self, runs: dict[str, int], errors: list[str], logs: list[Path]) -> None:
        self.runs = runs
        self.errors = errors
        self.logs = logs

    def assert_no_errors(self) -> None:
        if not self.errors:
            return
        warnings = [line for log in self.logs for line in log.read_text(errors="replace").splitlines()
                    if " warning " in line or " error " in line]
        pytest.fail(f"{len(self.errors)} of {len(self.runs) + len(self.errors)} concurrent POST /workflows/{{id}}/runs "
                    f"failed (the runs that were created all finished correctly), e.g. {self.errors[0]}\n"
                    "server warnings:\n" + "\n".join(warnings[-20:]), pytrace=False)


def start_runs(api: API, workflow_id: str, count: int, threads: int, logs: list[Path]) -> StartedRuns:
    """Starts `count` manual runs with payload {"n": i} from `threads` threads."""
    def one(i: int) -> tuple[str, int] | str:
        try:
            run = api.post(f"/api/v1/workflows/{workflow_id}/runs", {"payload": {"n": i}})
        except AssertionError as e:
            return str(e).splitlines()[0]
        return run["id"], i
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(one, range(count)))
    started = StartedRuns(dict(r for r in results if not isinstance(r, str)),
                          [r for r in results if isinstance(r, str)], logs)
    assert len(started.runs) >= count // 2, f"most run creations failed: {started.errors[:3]}"
    return started


def run_details(api: API, run_ids) -> dict[str, dict]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(run_ids, pool.map(lambda rid: api.get(f"/api/v1/runs/{rid}"), run_ids)))


# --- the HTTP fake ---------------------------------------------------------------------------------


@pytest.fixture
def fake_service():
    fake = FakeService()
    try:
        yield fake
    finally:
        fake.close()


# --- test 1: kill -9 mid-run on SQLite -----------------------------------------------------------------

N_CRASH_RUNS = 60


def test_kill_9_mid_run_resumes_every_run_exactly_once(workdir: Path, fake_service: FakeService, procs: Processes):
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = base_env(MUNIM_PORT=str(port), MUNIM_DATA_DIR=str(workdir / "data"),
                   DATABASE_URL=f"sqlite:///{workdir}/data/munim.sqlite",
                   MUNIM_WORKER_POLL_MS="100", MUNIM_WORKER_CONCURRENCY="4", MUNIM_ALLOW_PRIVATE_HTTP="true")
    log_path = workdir / "serve.log"
    serve_args = ["serve", "--hostname", "127.0.0.1", "--port", str(port)]
    first = procs.start(serve_args, env, log_path, cwd=workdir)
    _wait_ready(first, base_url, log_path)

    api = API(base_url)
    api.sign_up()
    customer = api.post("/api/v1/customers", {"name": "Crash Test Customer", "phone": "+919800000001"})
    balance_before = api.balance(customer["id"])
    workflow = api.post("/api/v1/workflows", {"name": "Crash-safe chain", "blueprint": chain("Crash-safe chain", [
        node("trigger", "trigger", "manual", "start", {}, 0),
        node("call", "action", "http", "request",
             {"method": "POST", "url": fake_service.url, "body": {"n": "{{trigger.n}}"}}, 250),
        node("pay", "action", "ledger", "record_payment",
             {"customer_id": customer["id"], "amount": 100, "mode": "cash"}, 500),
        node("note", "action", "data", "set", {"values": {"done": "n={{trigger.n}}"}}, 750),
    ])})
    wf_id = workflow["id"]

    started = start_runs(api, wf_id, N_CRASH_RUNS, threads=4, logs=[log_path])
    runs = started.runs
    n = len(runs)

    # Kill as soon as some runs have finished while HTTP calls are in flight.
    def crash_point():
        done = len(api.runs(wf_id, "succeeded"))
        _, in_flight = fake_service.snapshot()
        return (done, in_flight) if 0 < done < n and in_flight > 0 else None

    done_at_kill, in_flight_at_kill = wait_until("some (not all) runs to succeed with HTTP calls in flight",
                                                 crash_point, 60, lambda: _log_tail(log_path))
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    before_kill, _ = fake_service.snapshot()
    assert done_at_kill < n

    second = procs.start(serve_args, env, log_path, cwd=workdir)
    _wait_ready(second, base_url, log_path)

    def all_finished():
        listed = api.runs(wf_id)
        counts = status_counts(listed)
        finished = sum(counts.get(s, 0) for s in ("succeeded", "failed", "cancelled"))
        return listed if finished >= n else None

    listed = wait_until(f"all {n} runs to finish after the restart", all_finished, 120,
                        lambda: f"{status_counts(api.runs(wf_id))}\n{_log_tail(log_path)}")
    assert {r["id"] for r in listed} == set(runs), "the runs list does not match the runs started"
    assert status_counts(listed) == {"succeeded": n}, \
        [(r["id"], r["status"], r["error"]) for r in listed if r["status"] != "succeeded"]

    # Every run: exactly one step row per node, each succeeded.
    details = run_details(api, list(runs))
    retried_steps: dict[str, int] = {}
    for rid, run in details.items():
        nodes = sorted(s["node_id"] for s in run["steps"])
        assert nodes == ["call", "note", "pay", "trigger"], f"run {rid} has step rows {nodes}"
        bad = [(s["node_id"], s["status"], s["error"]) for s in run["steps"] if s["status"] != "succeeded"]
        assert not bad, f"run {rid}: {bad}"
        for s in run["steps"]:
            if s["attempts"] > 1:
                retried_steps[s["node_id"]] = retried_steps.get(s["node_id"], 0) + 1
        note = next(s for s in run["steps"] if s["node_id"] == "note")
        assert note["output"]["done"] == f"n={runs[rid]}", note

    # The ledger: exactly one payment of 100 per run — none lost, none applied twice.
    payments = api.all_pages(f"/api/v1/payments?customer_id={customer['id']}")
    assert len(payments) == n, f"{len(payments)} payments for {n} runs"
    assert all(p["amount"] == 100 for p in payments)
    assert api.balance(customer["id"]) - balance_before == -n * 100

    # The fake saw every run's key; a re-sent call carried the same key and the same body.
    seen, _ = fake_service.snapshot()
    expected_keys = {f"{rid.lower()}-call": i for rid, i in runs.items()}
    keys = [k for k, _ in seen]
    assert None not in keys, "an HTTP call arrived without an Idempotency-Key"
    assert set(keys) == set(expected_keys), (
        f"missing keys: {sorted(set(expected_keys) - set(keys))[:5]}, unexpected: {sorted(set(keys) - set(expected_keys))[:5]}")
    for k, body in seen:
        assert body == {"n": expected_keys[k]}, f"{k} was sent with body {body!r}"
    # Each attempt of the step sends at most once: a re-sent key belongs to a step run more than once.
    for rid, run in details.items():
        sends = keys.count(f"{rid.lower()}-call")
        call = next(s for s in run["steps"] if s["node_id"] == "call")
        assert sends <= call["attempts"], f"run {rid}: {sends} HTTP calls but the step ran {call['attempts']} time(s)"
    duplicates = len(seen) - len(set(keys))
    # Re-sends that happened before the crash were retries of the live process, not crash recovery.
    resent_before_kill = len(before_kill) - len({k for k, _ in before_kill})
    print(f"\nkill -9 after {done_at_kill}/{n} runs succeeded, {in_flight_at_kill} HTTP call(s) in flight, "
          f"{len(before_kill)} calls received; in all {len(seen)} calls for {len(set(keys))} keys "
          f"({duplicates} re-sent with the same key, {resent_before_kill} of them before the kill); steps run more than once, per node: {retried_steps}; "
          f"'database is locked' lines in the server log: {log_path.read_text(errors='replace').count('database is locked')}")
    started.assert_no_errors()


# --- test 2: two workers on PostgreSQL -------------------------------------------------------------------

N_PG_RUNS = 200


@pytest.fixture
def pg_cluster(workdir: Path):
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, psql, createdb) not found under "
                    "/usr/lib/postgresql/*/bin; install the postgresql package or set MUNIM_PG_BIN")
    if os.geteuid() == 0 and (not os.path.exists("/usr/sbin/runuser") or subprocess.run(
            ["id", "postgres"], capture_output=True).returncode != 0):
        pytest.skip("running as root without a `postgres` user and runuser: initdb refuses to run as root")
    cluster = PostgresCluster(bin_dir, workdir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


# Test instrumentation: every claim of a job (status becomes running under a new lease) is
# recorded with its lease owner, "host/pid/random", so the test sees which process ran what.
CLAIM_RECORDER = """
CREATE TABLE e2e_job_claims (job_id uuid, kind text, owner text, attempts int, payload text,
                             at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION e2e_record_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'running' AND NEW.lease_owner IS NOT NULL
     AND (OLD.status IS DISTINCT FROM 'running' OR OLD.lease_owner IS DISTINCT FROM NEW.lease_owner
          OR OLD.attempts IS DISTINCT FROM NEW.attempts) THEN
    INSERT INTO e2e_job_claims (job_id, kind, owner, attempts, payload)
    VALUES (NEW.id, NEW.kind, NEW.lease_owner, NEW.attempts, NEW.payload);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER e2e_job_claims AFTER UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION e2e_record_claim();
"""


def test_two_workers_on_postgres_never_double_execute(workdir: Path, pg_cluster: PostgresCluster, procs: Processes):
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = base_env(MUNIM_PORT=str(port), MUNIM_DATA_DIR=str(workdir / "data"), DATABASE_URL=pg_cluster.url,
                   MUNIM_WORKER_POLL_MS="50", MUNIM_WORKER_CONCURRENCY="4")
    api_log = workdir / "api.log"
    api_proc = procs.start(["serve", "--no-worker", "--hostname", "127.0.0.1", "--port", str(port)], env, api_log, cwd=workdir)
    _wait_ready(api_proc, base_url, api_log)  # migrations have run
    pg_cluster.sql(CLAIM_RECORDER)

    workers = []
    for i in (1, 2):
        log = workdir / f"worker{i}.log"
        workers.append((procs.start(["worker"], env, log, cwd=workdir), log))
    for proc, log in workers:
        def started(proc=proc, log=log):
            if proc.poll() is not None:
                pytest.fail(f"worker exited with code {proc.returncode}\n{_log_tail(log)}")
            return "worker started" in log.read_text(errors="replace")
        wait_until(f"worker {proc.pid} to start", started, 60, lambda log=log: _log_tail(log))

    api = API(base_url)
    api.sign_up()
    customer = api.post("/api/v1/customers", {"name": "Scale-out Customer", "phone": "+919800000002"})
    balance_before = api.balance(customer["id"])
    workflow = api.post("/api/v1/workflows", {"name": "Two workers", "blueprint": chain("Two workers", [
        node("trigger", "trigger", "manual", "start", {}, 0),
        node("pay", "action", "ledger", "record_payment",
             {"customer_id": customer["id"], "amount": 100, "mode": "cash"}, 250),
        node("note", "action", "data", "set", {"values": {"n": "{{trigger.n}}"}}, 500),
    ])})
    wf_id = workflow["id"]

    started = start_runs(api, wf_id, N_PG_RUNS, threads=8, logs=[api_log])
    runs = started.runs
    n = len(runs)

    def diagnostics() -> str:
        return (f"runs: {status_counts(api.runs(wf_id))}\njobs: {pg_cluster.sql('SELECT kind, status, count(*) FROM jobs GROUP BY 1, 2')}\n"
                + "\n".join(f"--- worker {p.pid}\n{_log_tail(l, 2000)}" for p, l in workers))

    def all_finished():
        for p, log in workers:
            if p.poll() is not None:
                pytest.fail(f"worker {p.pid} exited with code {p.returncode}\n{_log_tail(log)}")
        listed = api.runs(wf_id)
        counts = status_counts(listed)
        return listed if sum(counts.get(s, 0) for s in ("succeeded", "failed", "cancelled")) >= n else None

    listed = wait_until(f"all {n} runs to finish", all_finished, 180, diagnostics)
    assert {r["id"] for r in listed} == set(runs)
    assert status_counts(listed) == {"succeeded": n}, \
        [(r["id"], r["status"], r["error"]) for r in listed if r["status"] != "succeeded"][:10]

    payments = api.all_pages(f"/api/v1/payments?customer_id={customer['id']}")
    assert len(payments) == n, f"{len(payments)} payments for {n} runs"
    assert api.balance(customer["id"]) - balance_before == -n * 100

    details = run_details(api, list(runs))
    for rid, run in details.items():
        steps = sorted((s["node_id"], s["status"], s["attempts"]) for s in run["steps"])
        assert steps == [("note", "succeeded", 1), ("pay", "succeeded", 1), ("trigger", "succeeded", 1)], f"run {rid}: {steps}"
        note = next(s for s in run["steps"] if s["node_id"] == "note")
        assert note["output"]["n"] == runs[rid]

    # Claims: each step job claimed once, by one of the two workers; both workers ran jobs. The
    # payment has a job of its own; "note" (data.set, a local node) runs inside the payment's commit.
    double = pg_cluster.sql("SELECT job_id, count(*), string_agg(owner, ', ') FROM e2e_job_claims "
                            "GROUP BY job_id HAVING count(*) > 1")
    assert not double, f"jobs claimed more than once: {double[:10]}"
    per_step = pg_cluster.sql("SELECT payload::json->>'run_id', payload::json->>'node_id', count(*) FROM e2e_job_claims "
                              "WHERE kind = 'run.step' GROUP BY 1, 2")
    assert len(per_step) == n, f"{len(per_step)} step jobs claimed for {n} runs of one job-run step"
    assert {node for _, node, _ in per_step} == {"pay"}, f"step jobs for {sorted({node for _, node, _ in per_step})}"
    assert all(c == "1" for _, _, c in per_step), [r for r in per_step if r[2] != "1"][:10]
    by_pid: dict[int, int] = {}
    for owner, claims in pg_cluster.sql("SELECT owner, count(*) FROM e2e_job_claims "
                                        "WHERE kind IN ('run.start', 'run.step') GROUP BY owner"):
        pid = int(owner.split("/")[-2])  # lease owner = "host/pid/random"
        by_pid[pid] = by_pid.get(pid, 0) + int(claims)
    worker_pids = {p.pid for p, _ in workers}
    assert set(by_pid) <= worker_pids, f"jobs claimed by processes other than the workers: {by_pid} (workers {worker_pids})"
    assert all(by_pid.get(pid, 0) > 0 for pid in worker_pids), f"a worker ran no jobs: {by_pid}"
    assert sum(by_pid.values()) == 2 * n, f"{sum(by_pid.values())} claims for {n} runs × (start + payment)"
    print(f"\nclaims per worker pid: {by_pid}")
    started.assert_no_errors()


# --- the same under a CPU hog (issue 14 §5) ----------------------------------------------------------------
# "Run the concurrency and durability tests once with a CPU hog (a bounded busy loop on every core)
# alongside, and they must pass." Opt-in, since they take longer: MUNIM_TEST_CPU_HOG=1.

CPU_HOG_SECONDS = 600  # an upper bound; the hog stops when the test ends
needs_cpu_hog = pytest.mark.skipif(not cpu_hog_wanted(),
                                   reason="MUNIM_TEST_CPU_HOG=1 runs it with a busy loop on every core (issue 14 §5)")


@needs_cpu_hog
def test_kill_9_mid_run_resumes_every_run_exactly_once_under_cpu_hog(workdir: Path, fake_service: FakeService,
                                                                     procs: Processes):
    with cpu_hog(CPU_HOG_SECONDS) as hog:
        assert hog.running, "the CPU hog did not start"
        test_kill_9_mid_run_resumes_every_run_exactly_once(workdir, fake_service, procs)


@needs_cpu_hog
def test_two_workers_on_postgres_never_double_execute_under_cpu_hog(workdir: Path, pg_cluster: PostgresCluster,
                                                                    procs: Processes):
    with cpu_hog(CPU_HOG_SECONDS) as hog:
        assert hog.running, "the CPU hog did not start"
        test_two_workers_on_postgres_never_double_execute(workdir, pg_cluster, procs)
