"""The month's metrics over 100k and 1M cases, against MongoDB's wire protocol.

    .venv/bin/python -m bench.metrics_bench                    # starts its own SecantusDB on a free port
    .venv/bin/python -m bench.metrics_bench --mongo mongodb://127.0.0.1:27017/?retryWrites=false --sizes 100000
    .venv/bin/python -m bench.metrics_bench --mongo URI --sizes 1000000 --load counters --keep

Data: two years of cases over the demo departments, items and staff, written
the way the evaluation service writes them. Each case is a list of real case
events (`contracts.event`: received, then refused or accepted, then for most a
decision), folded into its fact by the service's own `facts.facts_from`, as
`record_facts` does; a third of the decided cases are rated (bad ratings carry
their follow-up from `follow_ups.open_follow_up`, most closed) and a few cases
draw a complaint. Every fact, rating and complaint contributes to the counters
through `counters.contributions`, summed and bulk-inserted by the service's
`replace_counters` (what POST /v1/metrics/rebuild does), so the counters are
exactly what the event handlers would have built.

--load all (default) also bulk-inserts every fact, rating and complaint
(insert_many in batches of --batch). --load counters inserts only the
counters: GET /v1/metrics and the rankings read nothing else (sums over
indexed counters, open cases included; --explain prints the plans), and on a
Python server such as SecantusDB on a busy 2-core machine a million fact
documents take hours to insert without changing the timed reads. Cases are
generated in --workers processes. --keep keeps the database (one per size and
mode) and reuses it next time.

For each size it then times, best of --repeat:
- baseline: one indexed point read (`find_one` by _id) on the counters collection;
- metrics: `queries.metrics(period=<month>)`, the call behind GET /v1/metrics
  (counters summed by $group, the days histogram, the open-case counters by due date);
- metrics, one department; and rankings of the month;
- for contrast (--load all only), the same month's counts by a $group over the raw facts.
Ratios are to the baseline measured in the same run. Run by hand; not a test.
"""
import argparse
import datetime as dt
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pymongo import MongoClient

from deploy.localstack import database_server, free_port, port_open, wait_for
from services.common import contracts
from services.evaluation import counters, follow_ups, queries, ratings
from services.evaluation.facts import facts_from
from services.evaluation.store import EvaluationStore

DEPARTMENTS = {"health": [f"HEALTH-{n}" for n in range(8)], "market": [f"MARKET-{n}" for n in range(3)]}
CLERKS = {"health": [f"clerk{n}" for n in range(12)], "market": [f"mclerk{n}" for n in range(6)]}
CHIEFS = {"health": ["chief1", "chief2"], "market": ["mchief1"]}
START = dt.date(2024, 1, 1)
SPAN_DAYS = 730
OPEN_FROM = START + dt.timedelta(days=SPAN_DAYS - 45)  # cases received in the last 45 days may still be open
MONTH = "2025-06"
LEVELS = (5,) * 60 + (4,) * 20 + (3,) * 12 + (2,) * 5 + (1,) * 3
RECTIFY_DAYS = 15


def case_events(number: int, rng: random.Random) -> list[dict]:
    """The case events of one generated case, as intake and approval publish them."""
    department = "health" if rng.random() < 0.7 else "market"
    item = rng.choice(DEPARTMENTS[department])
    received = START + dt.timedelta(days=rng.randrange(SPAN_DAYS))
    case = {"case_no": f"B{number:08d}", "item_code": item, "item_name": item, "department": department,
            "owner": f"owner{number % 50000}", "submitted_by": f"owner{number % 50000}", "channel": "window"}
    at = f"{received.isoformat()}T09:30:00+08:00"
    events = [contracts.event(contracts.APPLICATION_RECEIVED, **case, received_at=at, status="received")]
    roll = rng.random()
    if roll < 0.05:
        refusal = contracts.event(contracts.APPLICATION_REFUSED, **case, reason="不属于受理范围", notice={})
        refusal["occurred_at"] = f"{received.isoformat()}T02:00:00+00:00"
        return events + [refusal]
    promised = (received + dt.timedelta(days=28)).isoformat()
    deadlines = {"promised": promised, "statutory": promised}
    clerk = rng.choice(CLERKS[department])
    events.append(contracts.event(
        contracts.APPLICATION_ACCEPTED, **case, received_at=at, accepted_at=at, accepted_on=received.isoformat(),
        item={}, deadlines=deadlines, applicant={}, first_contact={"username": clerk, "display_name": clerk},
        history=[], notice={}))
    if received >= OPEN_FROM and roll > 0.6:
        return events  # still open
    days = rng.choice((0, 1, 2, 3, 5, 8, 12, 15, 19, 20, 24))
    events.append(contracts.event(
        contracts.CASE_DECIDED, **case, result="approved" if rng.random() < 0.9 else "denied", reason=None,
        decided_on=(received + dt.timedelta(days=days * 7 // 5)).isoformat(), accepted_on=received.isoformat(),
        deadlines=deadlines, used_working_days=days, on_time=days <= 20, early=days < 20,
        decided_by=rng.choice(CHIEFS[department])))
    return events


def fact_document(events: list[dict]) -> dict:
    """The case_facts document the service stores after handling these events (record_facts)."""
    doc = {"_id": events[0]["case_no"], "events": []}
    for event in events:
        doc.update(facts_from(event))
        doc["events"].append(event["event_id"])
    doc["counted"] = counters.contributions(counters.FACT, doc)
    doc["counted_seq"] = len(events)
    if due := counters.open_due(doc):
        doc["open_due"] = due
    return doc


def rating_document(fact: dict, rng: random.Random) -> dict:
    """A rating as `EvaluationService.rate` stores it (a bad one with its follow-up, mostly closed)."""
    rated = dt.date.fromisoformat(fact["decided_on"]) + dt.timedelta(days=rng.randrange(4))
    level = rng.choice(LEVELS)
    doc = {"_id": f"R{fact['_id']}", "case_no": fact["_id"], "round": 1, "level": level,
           "label": ratings.LEVEL_LABELS[level], "bad": ratings.is_bad(level),
           "comment": "等待时间长" if ratings.is_bad(level) else None, "channel": "sms",
           "created_at": f"{rated.isoformat()}T10:00:00+08:00", "rated_on": rated.isoformat(),
           "rated_by": fact["owner"], "via": None, "department": fact["department"], "item_code": fact["item_code"],
           "owner": fact["owner"], "staff": fact.get("received_by") or fact.get("decided_by"),
           "received_on": fact["received_on"], "version": 1}
    if doc["bad"]:
        follow_up = follow_ups.open_follow_up(doc["_id"], rated, RECTIFY_DAYS)
        if rng.random() < 0.85:
            follow_up.update(status=follow_ups.CLOSED, on_time=rng.random() < 0.9,
                             outcome=follow_ups.RECTIFIED if rng.random() < 0.8 else follow_ups.DISMISSED)
        doc["follow_up"] = follow_up
    doc["counted"] = counters.contributions(counters.RATING, doc)
    return doc


def complaint_document(fact: dict, rng: random.Random) -> dict:
    """A complaint about a case, as the service stores it after its steps (most closed)."""
    created = dt.date.fromisoformat(fact["received_on"]) + dt.timedelta(days=rng.randrange(10))
    closed = rng.random() < 0.8
    doc = {"_id": f"P{fact['_id']}", "department": fact["department"], "case_no": fact["_id"],
           "item_code": fact["item_code"], "subject": "推诿扯皮", "text": "多次往返", "channel": "hotline",
           "status": "closed" if closed else "investigating", "created_on": created.isoformat(),
           "created_at": f"{created.isoformat()}T11:00:00+08:00", "substantiated": closed and rng.random() < 0.3,
           "against": fact.get("received_by") if closed else None, "history": [], "version": 1}
    doc["counted"] = counters.contributions(counters.COMPLAINT, doc)
    return doc


def add_to(totals: dict, counted: list[list]) -> None:
    for key, name, value in counted:
        fields = totals.setdefault(key, {})
        fields[name] = fields.get(name, 0) + value


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def generate(task: tuple) -> tuple[dict, dict]:
    """Cases number `first`..`last`-1: (their counter totals, their documents by collection if `keep_docs`)."""
    size, first, last, keep_docs = task
    rng, totals = random.Random(f"{size}:{first}"), {}
    docs = {"case_facts": [], "ratings": [], "complaints": []}
    for number in range(first, last):
        fact = fact_document(case_events(number, rng))
        add_to(totals, fact["counted"])
        made = [("case_facts", fact)]
        if fact.get("decided_on") and rng.random() < 0.33:
            made.append(("ratings", rating_document(fact, rng)))
        if rng.random() < 0.003:
            made.append(("complaints", complaint_document(fact, rng)))
        for _, doc in made[1:]:
            add_to(totals, doc["counted"])
        if keep_docs:
            for name, doc in made:
                docs[name].append(doc)
    return totals, docs


def load(db, size: int, mode: str, batch: int, workers: int) -> tuple[float, int, dict]:
    """Generate `size` cases (in `workers` processes), insert their documents (--load all) and the counters."""
    started = time.perf_counter()
    for name in ("case_facts", "ratings", "complaints", "metric_counters", "counter_folds", "bench_meta"):
        db[name].drop()
    store = EvaluationStore(db)
    store.ensure_indexes()
    totals, inserted = {}, {"case_facts": 0, "ratings": 0, "complaints": 0}
    chunk = 25000
    tasks = [(size, first, min(first + chunk, size), mode == "all") for first in range(0, size, chunk)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for done, (part, docs) in enumerate(pool.imap(generate, tasks), 1):
            for key, fields in part.items():
                into = totals.setdefault(key, {})
                for name, value in fields.items():
                    into[name] = into.get(name, 0) + value
            for name, documents in docs.items():
                for at in range(0, len(documents), batch):
                    db[name].insert_many(documents[at:at + batch], ordered=False)
                inserted[name] += len(documents)
            log(f"{size:,}: {min(done * chunk, size):,} cases generated, inserted {inserted}")
    log(f"{size:,}: generated in {time.perf_counter() - started:.0f} s; inserting {len(totals):,} counters")
    store.replace_counters(totals, fold=0)  # what POST /v1/metrics/rebuild does with the summed contributions
    seconds = time.perf_counter() - started
    db.bench_meta.insert_one({"_id": "loaded", "size": size, "mode": mode, "seconds": seconds,
                              "counters": len(totals), "inserted": inserted})
    log(f"{size:,}: loaded in {seconds:.0f} s")
    return seconds, len(totals), inserted


def best(call, repeat: int) -> float:
    call()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def naive_month(db):
    first, last = f"{MONTH}-01", f"{MONTH}-31"
    return list(db.case_facts.aggregate([
        {"$match": {"received_on": {"$gte": first, "$lte": last}}},
        {"$group": {"_id": None, "received": {"$sum": 1}, "on_time": {"$sum": {"$cond": ["$on_time", 1, 0]}}}}]))


def explain(db) -> None:
    """The plans of the reads behind the month's metrics (the first $match stage is what the server plans)."""
    from services.evaluation.counters_store import counter_match, match_stages
    reads = [counter_match(f"{MONTH}-01", f"{MONTH}-30"), counter_match(f"{MONTH}-01", f"{MONTH}-30", "health"),
             counter_match(f"{MONTH}-01", f"{MONTH}-30", group_by="staff"),
             counter_match(f"{MONTH}-03", f"{MONTH}-20", "health"), {"grain": counters.OPEN}]
    for match in reads:
        stages = match_stages(match)
        plan = db.command("explain", {"aggregate": "metric_counters", "pipeline": stages, "cursor": {}},
                          verbosity="executionStats")
        cursor = (plan.get("stages") or [{}])[0].get("$cursor", plan)
        winning = cursor.get("queryPlanner", {}).get("winningPlan", {})
        stats = cursor.get("executionStats", {})
        log(f"explain {[s['$match'] for s in stages]}: stage={winning.get('stage')} "
            f"input={winning.get('inputStage', {}).get('stage')} index={winning.get('inputStage', {}).get('indexName')}"
            f" returned={stats.get('nReturned')} keys={stats.get('totalKeysExamined')} "
            f"docs={stats.get('totalDocsExamined')}")


def run(uri: str, sizes: list[int], repeat: int, mode: str, batch: int, workers: int, keep: bool,
        show_plans: bool) -> None:
    client = MongoClient(uri)
    print(f"load: {mode}; machine load average before: {os.getloadavg()[0]:.1f}")
    print("| cases | load s | documents inserted | counters | baseline ms | metrics ms (×) | one dept ms (×) "
          "| rankings ms (×) | raw $group ms (×) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in sizes:
        db = client[f"bench_metrics_{size}_{mode}"]
        meta = db.bench_meta.find_one({"_id": "loaded"}) if keep else None
        if meta and meta["size"] == size and meta["mode"] == mode:
            log(f"{size:,}: reusing the loaded database {db.name}")
            loaded, counter_count, inserted = meta["seconds"], meta["counters"], meta["inserted"]
        else:
            loaded, counter_count, inserted = load(db, size, mode, batch, workers)
        store = EvaluationStore(db)
        if show_plans:
            explain(db)
        probe = f"{counters.MONTH_DEPARTMENT}|{MONTH}|health|*|*"
        baseline = best(lambda d=db, p=probe: d.metric_counters.find_one({"_id": p}), repeat)
        figures = queries.metrics(store, period=MONTH)
        assert figures["received"] > 0 and figures["ratings"]["count"] > 0
        log(f"{size:,}: {MONTH}: received {figures['received']:,}, completed {figures['completed']:,}, "
            f"ratings {figures['ratings']['count']:,}, complaints {figures['complaints']:,}, "
            f"pending {figures['pending']}")
        timed = [best(lambda s=store: queries.metrics(s, period=MONTH), repeat),
                 best(lambda s=store: queries.metrics(s, department="health", period=MONTH), repeat),
                 best(lambda s=store: queries.rankings(s, MONTH), repeat),
                 best(lambda d=db: naive_month(d), max(1, repeat // 3)) if mode == "all" else None]
        cells = " | ".join("—" if t is None else f"{t * 1000:.1f} ({t / baseline:.0f}×)" for t in timed)
        documents = sum(inserted.values()) + counter_count
        print(f"| {size:,} | {loaded:.0f} | {documents:,} | {counter_count:,} | {baseline * 1000:.2f} | {cells} |",
              flush=True)
        if not keep:
            client.drop_database(db.name)
    print(f"machine load average after: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mongo", help="MongoDB URI (default: start a private SecantusDB)")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--load", choices=("all", "counters"), default="all",
                        help="insert every fact, rating and complaint, or only the counters the metrics read")
    parser.add_argument("--workers", type=int, default=2, help="processes generating the cases")
    parser.add_argument("--batch", type=int, default=20000, help="documents per insert_many")
    parser.add_argument("--keep", action="store_true", help="keep the loaded databases and reuse them")
    parser.add_argument("--explain", action="store_true", help="print the query plans of the metrics' reads")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    options = (args.repeat, args.load, args.batch, args.workers, args.keep, args.explain)
    if args.mongo:
        run(args.mongo, sizes, *options)
        return
    var, port = Path(tempfile.mkdtemp(prefix="metrics-bench-")), free_port()
    server = database_server("mongo", port, var / "mongo", var / "mongo.log", env={}, flags=("--standalone",))
    server.start()
    try:
        wait_for(lambda: port_open(port), "SecantusDB")
        run(f"mongodb://127.0.0.1:{port}/?retryWrites=false", sizes, *options)
    finally:
        server.stop()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
