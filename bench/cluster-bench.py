#!/usr/bin/env python3
"""Scale-out benchmark (issue 7 §6): the workflow benchmark's 5-node workflow (webhook → router →
data/set → ledger balance → respond, bench/workflow-bench.py (b)) through nginx on PostgreSQL,
once on 1 instance (`munim serve` with its embedded worker) and once on 3 × `munim serve
--no-worker` + 2 × `munim worker` — the topologies of e2e/cluster.py (scripts/cluster). Prints both
throughputs, latencies and their ratio; asserts nothing (exits non-zero only when set-up fails or a
run failed).

    python3 bench/cluster-bench.py [--seconds 10] [--warmup 3] [--connections 32] [--durability durable|fast]

PostgreSQL runs with its default durability unless --durability fast (issue 20 §4): the figure is
what a deployment does, and the header says which settings were used.

MUNIM_BIN picks the binary (default .build/release/munim when it exists, else .build/debug/munim).
The load generator is wrk when installed, else workflow-bench.py's threaded Python loop. On one
2-core machine the load generator, nginx, PostgreSQL and every munim process share the cores: more
processes mean more contention, not more capacity. The point is correctness under load and an
honest figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "e2e"))

_spec = importlib.util.spec_from_file_location("workflow_bench", REPO / "bench" / "workflow-bench.py")
wb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wb)

from cluster import Cluster  # noqa: E402


def munim_cpu_seconds(cluster: Cluster) -> float:
    """User + system CPU of every munim process of the cluster so far (from /proc)."""
    total = 0.0
    for p in cluster.procs.values():
        if p.popen is None:
            continue
        try:
            total += wb.process_cpu_seconds(p.popen.pid)
        except (OSError, IndexError, ValueError):
            pass  # a process that just ended
    return total


def measure(label: str, cluster: Cluster, args, loader: str) -> tuple[wb.Result, dict[str, int]]:
    port = int(cluster.url.rsplit(":", 1)[1])
    api = wb.API(port)
    me, res = api.must(201, "POST", "/api/v1/auth/signup", {"email": "bench@example.com", "password": "bench password 1",
                                                            "business_name": "Bench", "owner_name": "B"})
    for header, value in res.getheaders():
        if header.lower() == "set-cookie" and value.startswith("munim_session="):
            api.cookie = value.split(";", 1)[0].split("=", 1)[1]
    api.csrf = me.get("csrf_token")
    customer, _ = api.must(201, "POST", "/api/v1/customers", {"name": "Asha Traders", "phone": "+919800000001"})
    bp = wb.blueprint_b()
    wf, _ = api.must(201, "POST", "/api/v1/workflows", {"name": bp["name"], "blueprint": bp})
    wf, _ = api.must(200, "POST", f"/api/v1/workflows/{wf['id']}/activate")
    path = f"/hooks/{wf['public_id']}"
    st, body, _ = api.call("POST", path, {"n": 7, "customer_id": customer["id"], "name": "Asha"}, auth=False)
    if st != 200 or "balance" not in (body or {}):
        raise SystemExit(f"{label}: the workflow did not answer with its respond node's output: {st} {body}")

    script = cluster.root / "bench.lua"
    script.write_text(wb.WRK_LUA)

    def load(seconds: float) -> wb.Result:
        if loader == "wrk":
            return wb.run_wrk(script, cluster.url + path, "b", customer["id"], seconds, args.connections, args.threads)
        return wb.run_python(port, path, "b", customer["id"], seconds, args.connections)

    if args.warmup > 0:
        load(args.warmup)
        wb.drain(api)
    before_runs, before_cpu = wb.count_runs(api, wf["id"], "succeeded"), munim_cpu_seconds(cluster)
    r = load(args.seconds)
    wb.drain(api)
    after_cpu = munim_cpu_seconds(cluster)  # before the counting requests below
    counts = {s: wb.count_runs(api, wf["id"], s) for s in ("succeeded", "failed", "queued", "running")}
    runs = counts["succeeded"] - before_runs
    cpu_ms = (after_cpu - before_cpu) * 1000 / runs if runs > 0 else float("nan")
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r.statuses.items()))
    wb.log(f"{label:<44} {r.ok_per_s:8.1f} executions/s   p50 {r.p50_ms:8.2f} ms   p99 {r.p99_ms:8.2f} ms   "
           f"({r.requests} replies in {r.seconds:.1f} s; {statuses}; {r.errors} socket errors)")
    wb.log(f"{'':<44} runs: {counts}; munim CPU per run {cpu_ms:.1f} ms (all its processes, load and drain)")
    return r, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--workflow-concurrency", type=int, default=20,
                        help="MUNIM_WORKFLOW_CONCURRENCY, runs of the one business executing at once (default 20, the binary's)")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="MUNIM_WORKER_CONCURRENCY of every process (default 4, the binary's)")
    parser.add_argument("--durability", choices=["durable", "fast"], default="durable",
                        help="PostgreSQL with its default durability (fsync, synchronous_commit, full_page_writes on: the default, "
                             "what a deployment runs) or with them off (the functional tests' fast settings)")
    args = parser.parse_args()
    loader = args.loader if args.loader != "auto" else ("wrk" if shutil.which("wrk") else "python")
    binary = wb.pick_binary()
    os.environ["MUNIM_BIN"] = str(binary)
    wb.log(f"munim: {binary} [{wb.build_kind(binary)} build]; loader: {loader}; {args.connections} connections, "
           f"{args.seconds:.0f} s per topology; MUNIM_WORKER_CONCURRENCY={args.worker_concurrency}, "
           f"MUNIM_WORKFLOW_CONCURRENCY={args.workflow_concurrency}; "
           f"{os.cpu_count()} cores shared by everything")
    env = {"MUNIM_LOG_LEVEL": "warning", "MUNIM_WORKER_POLL_MS": "250", "MUNIM_WORKER_CONCURRENCY": str(args.worker_concurrency),
           "MUNIM_WORKFLOW_CONCURRENCY": str(args.workflow_concurrency)}
    results = {}
    all_ok = True
    for key, label, kwargs in (
        ("one", "1 × serve (embedded worker), nginx, Postgres", {"serve": 1, "workers": 0, "embedded_worker": True}),
        ("three", "3 × serve --no-worker + 2 × worker, nginx, Postgres", {"serve": 3, "workers": 2}),
    ):
        cluster = Cluster(env=dict(env), root=Path(tempfile.mkdtemp(prefix=f"munim-bench-{key}-")),
                          durable_db=args.durability == "durable", **kwargs)
        try:
            cluster.start()
            if key == "one":
                wb.log(f"PostgreSQL: {cluster.pg.durability}")
            results[key], counts = measure(label, cluster, args, loader)
            all_ok &= counts["failed"] == 0 and counts["queued"] == 0 and counts["running"] == 0
        finally:
            cluster.stop()
            shutil.rmtree(cluster.root, ignore_errors=True)
    one, three = results["one"], results["three"]
    wb.log()
    ratio = three.ok_per_s / one.ok_per_s if one.ok_per_s else float("nan")
    wb.log(f"ratio 3 instances + 2 workers / 1 instance: {ratio:.2f} "
           f"({three.ok_per_s:.1f} vs {one.ok_per_s:.1f} executions/s of the 5-node workflow)")
    wb.log("every run succeeded" if all_ok else "SOME RUNS FAILED OR DID NOT FINISH")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
