"""One command: throughput and p50/p99 latency of the running platform, with two
baselines measured in the same run.

    .venv/bin/python -m bench.run --url http://127.0.0.1:8080 --amqp amqp://guest:guest@127.0.0.1:5682/

Operations: submitting a complete window application (POST /v1/applications),
reading a case (GET /v1/cases/{case_no}) and a mixed workload (bench/mixed.py:
submissions, reads, transitions, ratings, lists), as staff and applicants the bench
creates. Baselines, on the same broker and database through the gateway's RPC client
under the gateway's gunicorn settings: one RPC to a service doing nothing (GET /ping),
and the least a submission must do (POST /submit: one RPC, one indexed journaled
insert, one confirmed publish). Baselines and platform are measured in interleaved
rounds (each operation gets a slice of its requests in every round), so a neighbour's
burst of load weighs on both alike. Traffic goes to loopback only; every loop is
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

from kombu import Connection

from bench.baseline import Baseline
from bench.load import Result, run_load
from bench.mixed import MixedWorkload, Office
from bench.stack_client import TIMEOUT, StackClient, complete_application
from deploy.localstack import DEV_ADMIN_PASSWORD, ROOT
from services.common import contracts
from services.common.pools import event_queue

ITEM = "HEALTH-PUBLIC-PLACE-NEW"
SUBMIT = f"POST /v1/applications ({ITEM})"
READ = "GET /v1/cases/{case_no}"
ONE_RPC = "baseline: GET /ping (1 RPC)"
LEAST = "baseline: POST /submit (1 RPC, 1 insert, 1 publish)"
# (row, baseline, least ratio): the issue's targets on the reference machine.
TARGETS = ((SUBMIT, ONE_RPC, 0.3), (SUBMIT, LEAST, 0.8), (READ, ONE_RPC, 0.8))
SUBMIT_P99_MS = 150.0


SETTLE_SECONDS = 120.0


def settle(amqp_uri: str, limit: float = SETTLE_SECONDS) -> float:
    """Waits until the services' event queues are empty (at most `limit` seconds): one slice's
    downstream work (the events a submission leaves to approval, notification and evaluation) must not
    be timed as part of the next slice. Returns the seconds waited."""
    began = time.monotonic()
    queues = [event_queue(service, event_type) for service, event_type in contracts.SUBSCRIPTIONS]
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        while time.monotonic() - began < limit:
            waiting = sum(queue.bind(channel).queue_declare(passive=True).message_count for queue in queues)
            if not waiting:
                break
            time.sleep(0.5)
    time.sleep(1.0)  # the last events delivered are being handled
    return time.monotonic() - began


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
    parser.add_argument("--rounds", type=int, default=5,
                        help="interleaved rounds: every operation gets a slice of its requests in each")
    parser.add_argument("--skip-mixed", action="store_true", help="only submissions and reads")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    args.threads = max(1, min(args.threads, 64))
    args.requests = max(1, min(args.requests, 100_000))
    args.mixed_requests = max(1, min(args.mixed_requests, 100_000))
    args.duration = max(1.0, min(args.duration, 600.0))
    args.rounds = max(1, min(args.rounds, 50))
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


def offices(stack: StackClient, admin: str, item: dict, args, run_id: str) -> list[Office]:
    clerks = stack.create_clerks(admin, item["department"], args.threads, f"{run_id}m")
    chiefs = stack.create_clerks(admin, item["department"], args.threads, f"{run_id}m", role="chief_rep")
    stack.issue_letters(admin, item["department"], item["code"], f"{run_id}m", how_many=args.threads)
    rng = random.Random(run_id)
    applicants = stack.register_applicants(args.threads, run_id, rng)
    return [Office({"clerk": clerk, "chief": chief, "applicant": token}, username, random.Random(f"{run_id}-o{i}"))
            for i, (clerk, chief, (username, token)) in enumerate(zip(clerks, chiefs, applicants, strict=True))]


class Operations:
    """Every measured operation as (name, request function, ok statuses), sharing accounts and cases."""

    def __init__(self, args, run_id: str, baseline: Baseline):
        self.args, self.run_id = args, run_id
        stack = self.stack = StackClient(args.url)
        if not stack.healthy():
            sys.exit(f"the gateway at {args.url} does not answer /healthz: start the stack first "
                     "(.venv/bin/python -m deploy.localstack run)")
        self.item = stack.item(ITEM)
        admin = stack.token("admin", args.admin_password)
        print(f"==> creating accounts in department {self.item['department']}", flush=True)
        self.tokens = stack.create_clerks(admin, self.item["department"], args.threads, run_id)
        self.rngs = [random.Random(f"{run_id}-{i}") for i in range(args.threads)]
        self.case_nos: list[str] = []
        self.baseline = baseline
        self.mixed = None if args.skip_mixed else MixedWorkload(
            stack.url, self.item, offices(stack, admin, self.item, args, run_id), run_id)

    def _headers(self, worker: int, number: int) -> dict:
        return {"Authorization": f"Bearer {self.tokens[worker]}",
                "X-Request-Id": f"bench-{self.run_id}-{worker}-{number}"}

    def ping(self, session, worker, number):
        return session.get(self.baseline.url, timeout=TIMEOUT, headers={"X-Request-Id": f"bench-ping-{number}"}
                           ).status_code

    def least_work(self, session, worker, number):
        body = complete_application({"code": ITEM, "materials": []}, self.rngs[worker])
        return session.post(self.baseline.submit_url, json=body, timeout=TIMEOUT,
                            headers={"Idempotency-Key": uuid.uuid4().hex,
                                     "X-Request-Id": f"bench-submit-{number}"}).status_code

    def health(self, session, worker, number):
        return session.get(f"{self.stack.url}/healthz", timeout=TIMEOUT).status_code

    def submit(self, session, worker, number):
        response = session.post(f"{self.stack.url}/v1/applications", timeout=TIMEOUT,
                                json=complete_application(self.item, self.rngs[worker]),
                                headers={**self._headers(worker, number), "Idempotency-Key": uuid.uuid4().hex})
        if response.status_code == 201:
            body = response.json()
            self.case_nos.append(body["case_no"])
            if body.get("status") != "accepted":
                return f"201 {body.get('status')}"  # counted as a failure: the bench sends complete materials
        return response.status_code

    def read(self, session, worker, number):
        case_no = self.case_nos[number % len(self.case_nos)]
        return session.get(f"{self.stack.url}/v1/cases/{case_no}", headers=self._headers(worker, number),
                           timeout=TIMEOUT).status_code


def measure(args, run_id: str, baseline: Baseline) -> tuple[Result, Result, list[Result], dict]:
    """Every operation in `args.rounds` interleaved slices, so a neighbour's burst of load
    falls on baselines and platform alike; returns (one-RPC, least-work, platform rows)."""
    ops = Operations(args, run_id, baseline)
    plan = [(ONE_RPC, ops.ping, (200,)), (LEAST, ops.least_work, (201,)),
            ("GET /healthz (gateway, no RPC)", ops.health, (200,)), (SUBMIT, ops.submit, (201,)),
            (READ, ops.read, (200,))]
    passes: dict[str, list[Result]] = {name: [] for name, _, _ in plan}
    per_slice = max(1, args.requests // args.rounds)
    mixed, settled = None, {}
    for number in range(args.rounds):
        print(f"==> round {number + 1} of {args.rounds}", flush=True)
        for name, request, ok in plan:
            if name == READ and not ops.case_nos:
                continue
            settled[name] = settled.get(name, 0.0) + settle(args.amqp)
            passes[name].append(run_load(name, request, args.threads, per_slice, args.duration, ok_statuses=ok,
                                         warmup=args.threads if number == 0 else 0))
        if ops.mixed:
            settle(args.amqp)
            mixed = ops.mixed.run(max(1, args.mixed_requests // args.rounds), args.duration)
    rows = [merged(name, *passes[name]) for name, _, _ in plan[2:] if passes[name]]
    if mixed:
        whole, parts = mixed
        rows += [whole, *parts.values()]
        print(f"    ({sum(o.not_ready for o in ops.mixed.offices)} mixed actions put back: case not yet "
              "opened or decided)")
    print("    waited for the event queues to drain before each slice (s, all rounds): "
          + ", ".join(f"{name.split(' (')[0]} {seconds:.0f}" for name, seconds in settled.items()))
    one_rpc, least = merged(ONE_RPC, *passes[ONE_RPC]), merged(LEAST, *passes[LEAST])
    spread = {name: [round(r.throughput, 1) for r in passes[name]] for name in (ONE_RPC, LEAST, SUBMIT)}
    return one_rpc, least, rows, spread


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
    print(f"==> {args.threads} threads, {args.requests} requests per operation in {args.rounds} rounds; "
          f"{before['cpus']} cores, load average {before['load_average']}", flush=True)
    baseline = Baseline(args.amqp, args.mongo, logs, args.workers, args.gunicorn_threads)
    print(f"==> baselines: gunicorn + one RPC on 127.0.0.1:{baseline.port} (logs in {logs})", flush=True)
    baseline.start()
    try:
        one_rpc, least, results, spread = measure(args, run_id, baseline)
    finally:
        baseline.stop()
        baseline.clean()
    shutil.rmtree(logs, ignore_errors=True)
    after = machine()
    print()
    print(table(results, one_rpc, least))
    print("\nper round (req/s): " + "; ".join(f"{name.split(' (')[0]} {values}" for name, values in spread.items()))
    print(f"load average {before['load_average']} -> {after['load_average']} on {after['cpus']} cores")
    print("targets:")
    print("\n".join(targets(results, one_rpc, least)))
    for result in [one_rpc, least, *results]:
        odd = {k: v for k, v in result.statuses.items() if k not in (200, 201)}
        if odd:
            print(f"  {result.name}: unexpected answers {odd}" + (
                " (429: the gateway's rate limit; start it with GATEWAY_RATE_LIMIT=0 to bench)"
                if 429 in odd else ""))
    report = {"run_id": run_id, "url": args.url, "threads": args.threads, "requests": args.requests,
              "rounds": args.rounds, "machine": {"before": before, "after": after},
              "baselines": {"one_rpc": one_rpc.summary(), "least_work": least.summary()}, "per_round": spread,
              "operations": [r.summary() for r in results]}
    out = args.json or ROOT / "bench" / "results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
