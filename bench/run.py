"""One command: throughput and p50/p99 latency of the running platform, with a
baseline measured in the same run.

    .venv/bin/python -m bench.run --url http://127.0.0.1:8080 --amqp amqp://guest:guest@127.0.0.1:5682/

Operations: submitting a complete window application (POST /v1/applications)
and reading a case (GET /v1/cases/{case_no}), as clerks the bench creates via
the admin; the baseline is a bare gunicorn+Falcon app making one RPC to a
trivial Nameko service on the same broker, through the gateway's RPC client.
Traffic goes to loopback only; every loop is bounded in count and time.
"""
import argparse
import ipaddress
import json
import os
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
from bench.stack_client import TIMEOUT, StackClient, complete_application
from deploy.localstack import DEV_ADMIN_PASSWORD, ROOT

ITEM = "HEALTH-PUBLIC-PLACE-NEW"


def loopback_only(url: str) -> None:
    host = urlparse(url).hostname or ""
    if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
        sys.exit(f"refusing to load {url}: the bench only sends traffic to this machine (127.0.0.0/8)")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', 8080)}",
                        help="the running gateway (default: the local stack's)")
    parser.add_argument("--amqp", default=f"amqp://guest:guest@127.0.0.1:{os.environ.get('LOCAL_AMQP_PORT', 5682)}/",
                        help="the running stack's broker, for the baseline")
    parser.add_argument("--admin-password", default=os.environ.get("GATEWAY_ADMIN_PASSWORD", DEV_ADMIN_PASSWORD))
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--requests", type=int, default=400, help="requests per operation (default 400)")
    parser.add_argument("--duration", type=float, default=60.0, help="at most this many seconds per operation")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GATEWAY_WORKERS", 2)),
                        help="baseline gunicorn workers; match the gateway's GATEWAY_WORKERS")
    parser.add_argument("--gunicorn-threads", type=int, default=int(os.environ.get("GATEWAY_THREADS", 8)),
                        help="baseline gunicorn threads; match the gateway's GATEWAY_THREADS")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    args.threads = max(1, min(args.threads, 64))
    args.requests = max(1, min(args.requests, 100_000))
    args.duration = max(1.0, min(args.duration, 600.0))
    return args


def measure_baseline(args, logs: Path) -> Result:
    baseline = Baseline(args.amqp, logs, args.workers, args.gunicorn_threads)
    print(f"==> baseline: gunicorn + one RPC on 127.0.0.1:{baseline.port} (logs in {logs})", flush=True)
    baseline.start()
    try:
        def ping(session, worker, number):
            return session.get(baseline.url, timeout=TIMEOUT, headers={"X-Request-Id": f"bench-ping-{number}"}
                               ).status_code
        return run_load("baseline: GET /ping (1 RPC)", ping, args.threads, args.requests, args.duration,
                        warmup=args.threads)
    finally:
        baseline.stop()


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
    results.append(run_load(f"POST /v1/applications ({ITEM})", submit, args.threads, args.requests,
                            args.duration, ok_statuses=(201,), warmup=args.threads))
    if case_nos:
        print("==> reading cases", flush=True)
        results.append(run_load("GET /v1/cases/{case_no}", read, args.threads, args.requests, args.duration,
                                warmup=args.threads))
    else:
        print("no case was created: case reads skipped", flush=True)
    return results


def table(results: list[Result], baseline: Result) -> str:
    rows = [("operation", "ok", "failed", "req/s", "p50 ms", "p99 ms", "req/s vs base", "p50 vs base")]
    for result in [baseline, *results]:
        rows.append((result.name, str(result.ok), str(result.failures), f"{result.throughput:.1f}",
                     f"{result.percentile(50):.1f}", f"{result.percentile(99):.1f}",
                     f"{result.throughput / baseline.throughput:.2f}x" if baseline.throughput else "-",
                     f"{result.percentile(50) / baseline.percentile(50):.2f}x" if baseline.ok else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    loopback_only(args.url)
    loopback_only(args.amqp)
    run_id = time.strftime("%H%M%S") + uuid.uuid4().hex[:4]
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"==> {args.threads} threads, at most {args.requests} requests or {args.duration:.0f}s per operation",
          flush=True)
    baseline = measure_baseline(args, logs)
    shutil.rmtree(logs, ignore_errors=True)  # kept only when the baseline failed, for its logs
    results = measure_platform(args, run_id)
    print()
    print(table(results, baseline))
    for result in [baseline, *results]:
        odd = {k: v for k, v in result.statuses.items() if k not in (200, 201)}
        if odd:
            print(f"  {result.name}: unexpected answers {odd}" + (
                " (429: the gateway's rate limit; start it with GATEWAY_RATE_LIMIT=0 to bench)"
                if 429 in odd else ""))
    report = {"run_id": run_id, "url": args.url, "threads": args.threads, "requests": args.requests,
              "baseline": baseline.summary(), "operations": [r.summary() for r in results]}
    out = args.json or ROOT / "bench" / "results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
