"""One command: throughput and p50/p99 latency of the running platform, with two
baselines measured in the same run.

    .venv/bin/python -m bench.run --url http://127.0.0.1:8080 --amqp amqp://guest:guest@127.0.0.1:5682/

Operations: submitting a complete window application (POST /v1/applications),
reading a case (GET /v1/cases/{case_no}) and a mixed workload (bench/mixed.py:
submissions, reads, transitions, ratings, lists), as staff and applicants the bench
creates. Baselines, on the same broker and database through the gateway's RPC client
under the gateway's gunicorn settings: one RPC to a service doing nothing (GET /ping),
and the least a submission must do (POST /submit: one RPC, one indexed journaled
insert, one confirmed publish). Each baseline runs before and after the platform's
rows and every ratio is against both passes together, so a neighbour's load in the
middle of the run weighs on both sides. Traffic goes to loopback only; every loop is
bounded in count and time.
"""
import argparse
import ipaddress
import json
import os
import platform
import random
import shutil
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

from bench.baseline import Baseline
from bench.load import Result, run_load
from bench.mixed import MixedWorkload, Office
from bench.stack_client import TIMEOUT, StackClient, complete_application
from deploy.localstack import DEV_ADMIN_PASSWORD, ROOT

ITEM = "HEALTH-PUBLIC-PLACE-NEW"
SUBMIT = f"POST /v1/applications ({ITEM})"
READ = "GET /v1/cases/{case_no}"
ONE_RPC = "baseline: GET /ping (1 RPC)"
LEAST = "baseline: POST /submit (1 RPC, 1 insert, 1 publish)"
# (row, baseline, least ratio): the targets on the reference machine.
TARGETS = ((SUBMIT, ONE_RPC, 0.3), (SUBMIT, LEAST, 0.8), (READ, ONE_RPC, 0.8))
SUBMIT_P99_MS = 150.0


def loopback_only(url: str) -> None:
    host = urlparse(url).hostname or ""
    if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
        sys.exit(f"refusing to load {url}: the bench only sends traffic to this machine (127.0.0.0/8)")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', 8080)}",
                        help="the running gateway (default: the local stack's)")
    parser.add_argument("--amqp", default=f"amqp://guest:guest@127.0.0.1:{os.environ.get('LOCAL_AMQP_PORT', 5682)}/",
                        help="the running stack's broker, for the baselines")
    parser.add_argument("--mongo", default=os.environ.get("MONGO_URI") or
                        f"mongodb://127.0.0.1:{os.environ.get('LOCAL_MONGO_PORT', 27027)}/?retryWrites=false",
                        help="the running stack's database, for the least-work baseline")
    parser.add_argument("--admin-password", default=os.environ.get("GATEWAY_ADMIN_PASSWORD", DEV_ADMIN_PASSWORD))
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--requests", type=int, default=400, help="requests per operation (default 400)")
    parser.add_argument("--mixed-requests", type=int, default=1000, help="requests of the mixed workload")
    parser.add_argument("--duration", type=float, default=60.0, help="at most this many seconds per operation")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GATEWAY_WORKERS", 2)),
                        help="baseline gunicorn workers; match the gateway's GATEWAY_WORKERS")
    parser.add_argument("--gunicorn-threads", type=int, default=int(os.environ.get("GATEWAY_THREADS", 8)),
                        help="baseline gunicorn threads; match the gateway's GATEWAY_THREADS")
    parser.add_argument("--skip-mixed", action="store_true", help="only submissions and reads")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    args.threads = max(1, min(args.threads, 64))
    args.requests = max(1, min(args.requests, 100_000))
    args.mixed_requests = max(1, min(args.mixed_requests, 100_000))
    args.duration = max(1.0, min(args.duration, 600.0))
    return args


def merged(name: str, *passes: Result) -> Result:
    """Several passes of one operation as one: all latencies over all the time they took."""
    whole = Result(name)
    for result in passes:
        whole.elapsed += result.elapsed
        whole.latencies += result.latencies
        whole.failures += result.failures
        whole.statuses.update(result.statuses)
    return whole


def measure_baselines(args, logs: Path, label: str) -> tuple[Result, Result]:
    baseline = Baseline(args.amqp, args.mongo, logs, args.workers, args.gunicorn_threads)
    print(f"==> baselines ({label}): gunicorn + one RPC on 127.0.0.1:{baseline.port} (logs in {logs})", flush=True)
    baseline.start()
    rng = random.Random(label)
    try:
        def ping(session, worker, number):
            return session.get(baseline.url, timeout=TIMEOUT, headers={"X-Request-Id": f"bench-ping-{number}"}
                               ).status_code

        def submit(session, worker, number):
            body = complete_application({"code": ITEM, "materials": []}, rng)
            return session.post(baseline.submit_url, json=body, timeout=TIMEOUT,
                                headers={"Idempotency-Key": uuid.uuid4().hex,
                                         "X-Request-Id": f"bench-submit-{number}"}).status_code

        one_rpc = run_load(ONE_RPC, ping, args.threads, args.requests, args.duration, warmup=args.threads)
        least = run_load(LEAST, submit, args.threads, args.requests, args.duration, ok_statuses=(201,),
                         warmup=args.threads)
        return one_rpc, least
    finally:
        baseline.stop()
        baseline.clean()


def offices(stack: StackClient, admin: str, item: dict, args, run_id: str) -> list[Office]:
    clerks = stack.create_clerks(admin, item["department"], args.threads, f"{run_id}m")
    chiefs = stack.create_clerks(admin, item["department"], args.threads, f"{run_id}m", role="chief_rep")
    rng = random.Random(run_id)
    applicants = stack.register_applicants(args.threads, run_id, rng)
    return [Office({"clerk": clerk, "chief": chief, "applicant": token}, username, random.Random(f"{run_id}-o{i}"))
            for i, (clerk, chief, (username, token)) in enumerate(zip(clerks, chiefs, applicants, strict=True))]


def measure_platform(args, run_id: str) -> list[Result]:
    stack = StackClient(args.url)
    if not stack.healthy():
        sys.exit(f"the gateway at {args.url} does not answer /healthz: start the stack first "
                 "(.venv/bin/python -m deploy.localstack run)")
    item = stack.item(ITEM)
    admin = stack.token("admin", args.admin_password)
    print(f"==> creating {args.threads} clerk accounts in department {item['department']}", flush=True)
    tokens = stack.create_clerks(admin, item["department"], args.threads, run_id)
    rngs = [random.Random(f"{run_id}-{i}") for i in range(args.threads)]
    case_nos: list[str] = []

    def headers(worker: int, number: int) -> dict:
        return {"Authorization": f"Bearer {tokens[worker]}", "X-Request-Id": f"bench-{run_id}-{worker}-{number}"}

    def submit(session, worker, number):
        response = session.post(f"{stack.url}/v1/applications", json=complete_application(item, rngs[worker]),
                                headers={**headers(worker, number), "Idempotency-Key": uuid.uuid4().hex},
                                timeout=TIMEOUT)
        if response.status_code == 201:
            body = response.json()
            case_nos.append(body["case_no"])
            if body.get("status") != "accepted":
                return f"201 {body.get('status')}"  # counted as a failure: the bench sends complete materials
        return response.status_code

    def read(session, worker, number):
        case_no = case_nos[number % len(case_nos)]
        return session.get(f"{stack.url}/v1/cases/{case_no}", headers=headers(worker, number),
                           timeout=TIMEOUT).status_code

    def health(session, worker, number):
        return session.get(f"{stack.url}/healthz", timeout=TIMEOUT).status_code

    results = [run_load("GET /healthz (gateway, no RPC)", health, args.threads, args.requests, args.duration,
                        warmup=args.threads)]
    print("==> submitting applications", flush=True)
    results.append(run_load(SUBMIT, submit, args.threads, args.requests, args.duration, ok_statuses=(201,),
                            warmup=args.threads))
    if case_nos:
        print("==> reading cases", flush=True)
        time.sleep(1.0)   # approval opens the cases from intake's events: read them once opened
        results.append(run_load(READ, read, args.threads, args.requests, args.duration, warmup=args.threads))
    else:
        print("no case was created: case reads skipped", flush=True)
    if not args.skip_mixed:
        print("==> mixed workload", flush=True)
        mixed = MixedWorkload(stack.url, item, offices(stack, admin, item, args, run_id), run_id)
        whole, parts = mixed.run(args.mixed_requests, args.duration)
        results += [whole, *parts.values()]
        print(f"    ({sum(o.not_ready for o in mixed.offices)} actions put back: case not yet opened or decided)")
    return results


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "-"


def table(results: list[Result], one_rpc: Result, least: Result) -> str:
    rows = [("operation", "ok", "failed", "req/s", "p50 ms", "p99 ms", "vs 1-RPC", "vs least-work")]
    for result in [one_rpc, least, *results]:
        rows.append((result.name, str(result.ok), str(result.failures), f"{result.throughput:.1f}",
                     f"{result.percentile(50):.1f}", f"{result.percentile(99):.1f}",
                     ratio(result.throughput, one_rpc.throughput), ratio(result.throughput, least.throughput)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def targets(results: list[Result], one_rpc: Result, least: Result) -> list[str]:
    by_name = {r.name: r for r in [one_rpc, least, *results]}
    lines = []
    for row, base, wanted in TARGETS:
        if row in by_name and by_name[base].throughput:
            got = by_name[row].throughput / by_name[base].throughput
            lines.append(f"  {'met ' if got >= wanted else 'MISS'} {row}: {got:.2f}x of {base} (target {wanted}x)")
    if SUBMIT in by_name:
        p99 = by_name[SUBMIT].percentile(99)
        lines.append(f"  {'met ' if p99 <= SUBMIT_P99_MS else 'MISS'} {SUBMIT}: p99 {p99:.0f} ms "
                     f"(target <= {SUBMIT_P99_MS:.0f} ms)")
    return lines


def machine() -> dict:
    memory = None
    try:
        with open("/proc/meminfo") as meminfo:
            memory = round(int(meminfo.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "memory_gib": memory, "python": platform.python_version(),
            "system": platform.platform(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def main(argv=None) -> None:
    args = parse_args(argv)
    for url in (args.url, args.amqp, args.mongo):
        loopback_only(url)
    run_id = time.strftime("%H%M%S") + uuid.uuid4().hex[:4]
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    before = machine()
    print(f"==> {args.threads} threads, at most {args.requests} requests or {args.duration:.0f}s per operation; "
          f"{before['cpus']} cores, load average {before['load_average']}", flush=True)
    first = measure_baselines(args, logs, "first pass")
    results = measure_platform(args, run_id)
    second = measure_baselines(args, logs, "second pass")
    shutil.rmtree(logs, ignore_errors=True)
    one_rpc, least = merged(ONE_RPC, first[0], second[0]), merged(LEAST, first[1], second[1])
    after = machine()
    print()
    print(table(results, one_rpc, least))
    print(f"\nbaseline passes (req/s): 1-RPC {first[0].throughput:.1f} then {second[0].throughput:.1f}; "
          f"least-work {first[1].throughput:.1f} then {second[1].throughput:.1f}; "
          f"load average {before['load_average']} -> {after['load_average']} on {after['cpus']} cores")
    print("targets:")
    print("\n".join(targets(results, one_rpc, least)))
    for result in [one_rpc, least, *results]:
        odd = {k: v for k, v in result.statuses.items() if k not in (200, 201)}
        if odd:
            print(f"  {result.name}: unexpected answers {odd}" + (
                " (429: the gateway's rate limit; start it with GATEWAY_RATE_LIMIT=0 to bench)"
                if 429 in odd else ""))
    report = {"run_id": run_id, "url": args.url, "threads": args.threads, "requests": args.requests,
              "machine": {"before": before, "after": after},
              "baselines": {"one_rpc": one_rpc.summary(), "least_work": least.summary(),
                            "passes": [r.summary() for r in (*first, *second)]},
              "operations": [r.summary() for r in results]}
    out = args.json or ROOT / "bench" / "results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
