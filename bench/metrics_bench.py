"""The month's metrics over 100k and 1M cases, against MongoDB's wire protocol.

    .venv/bin/python -m bench.metrics_bench                    # starts its own SecantusDB on a free port
    .venv/bin/python -m bench.metrics_bench --mongo mongodb://127.0.0.1:27017/?retryWrites=false --sizes 100000

For each size it bulk-inserts that many case facts (two years of cases over the
demo departments, items and staff), builds the pre-aggregated counters the
event handlers maintain (the same `counters.contributions`, summed and
bulk-inserted as `rebuild_counters` does), then times, best of --repeat:
- baseline: one indexed point read (`find_one` by _id) on the facts collection;
- metrics: `queries.metrics(period=<month>)`, the call behind GET /v1/metrics
  (counters summed by $group, the days histogram, pending cases by due date);
- metrics, one department; and rankings of the month;
- for contrast, the same month's counts by a $group over the raw facts.
Ratios are to the baseline measured in the same run. Run by hand; not a test.
"""
import argparse
import datetime as dt
import random
import shutil
import tempfile
import time
from pathlib import Path

from pymongo import MongoClient

from deploy.localstack import PYTHON, ManagedProcess, free_port, port_open, wait_for
from services.evaluation import counters, queries
from services.evaluation.store import EvaluationStore

DEPARTMENTS = {"health": [f"HEALTH-{n}" for n in range(8)], "market": [f"MARKET-{n}" for n in range(3)]}
CLERKS = {"health": [f"clerk{n}" for n in range(12)], "market": [f"mclerk{n}" for n in range(6)]}
CHIEFS = {"health": ["chief1", "chief2"], "market": ["mchief1"]}
START = dt.date(2024, 1, 1)
SPAN_DAYS = 730
MONTH = "2025-06"


def fact(number: int, rng: random.Random) -> dict:
    department = "health" if rng.random() < 0.7 else "market"
    received = START + dt.timedelta(days=rng.randrange(SPAN_DAYS))
    doc = {"_id": f"B{number:08d}", "department": department, "item_code": rng.choice(DEPARTMENTS[department]),
           "received_on": received.isoformat(), "received_by": rng.choice(CLERKS[department])}
    roll = rng.random()
    if roll < 0.05:
        doc["refused"], doc["refused_on"] = True, doc["received_on"]
        return doc
    doc["accepted_on"] = doc["received_on"]
    promised = received + dt.timedelta(days=28)
    doc["deadlines"] = {"promised": promised.isoformat(), "statutory": promised.isoformat()}
    if roll < 0.97 or received < dt.date(2025, 12, 1):
        days = rng.choice((0, 1, 2, 3, 5, 8, 12, 15, 19, 20, 24))
        doc.update(decided_on=(received + dt.timedelta(days=days * 7 // 5)).isoformat(), used_working_days=days,
                   on_time=days <= 20, early=days < 20, result="approved" if rng.random() < 0.9 else "denied",
                   decided_by=rng.choice(CHIEFS[department]))
    return doc


def load(db, size: int, batch: int = 10000) -> tuple[float, int]:
    """Insert `size` facts with their `counted` contributions and the counters; (seconds, counters)."""
    rng, totals, started = random.Random(size), {}, time.perf_counter()
    db.case_facts.drop()
    db.metric_counters.drop()
    store = EvaluationStore(db)
    store.ensure_indexes()
    docs = []
    for number in range(size):
        doc = fact(number, rng)
        doc["counted"] = counters.contributions(counters.FACT, doc)
        if due := counters.open_due(doc):
            doc["open_due"] = due
        for key, name, value in doc["counted"]:
            fields = totals.setdefault(key, {})
            fields[name] = fields.get(name, 0) + value
        docs.append(doc)
        if len(docs) == batch:
            db.case_facts.insert_many(docs, ordered=False)
            docs = []
    if docs:
        db.case_facts.insert_many(docs, ordered=False)
    store.replace_counters(totals)
    return time.perf_counter() - started, len(totals)


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


def run(uri: str, sizes: list[int], repeat: int) -> None:
    db = MongoClient(uri)["bench_metrics"]
    print("| cases | load s | counters | baseline ms | metrics ms (×) | one dept ms (×) | rankings ms (×) "
          "| raw $group ms (×) |")
    print("|---|---|---|---|---|---|---|---|")
    for size in sizes:
        loaded, counter_count = load(db, size)
        store = EvaluationStore(db)
        baseline = best(lambda: db.case_facts.find_one({"_id": "B00000007"}), repeat)
        figures = queries.metrics(store, period=MONTH)
        assert figures["received"] > 0
        timed = [best(lambda s=store: queries.metrics(s, period=MONTH), repeat),
                 best(lambda s=store: queries.metrics(s, department="health", period=MONTH), repeat),
                 best(lambda s=store: queries.rankings(s, MONTH), repeat),
                 best(lambda: naive_month(db), max(1, repeat // 3))]
        cells = " | ".join(f"{t * 1000:.1f} ({t / baseline:.0f}×)" for t in timed)
        print(f"| {size:,} | {loaded:.0f} | {counter_count:,} | {baseline * 1000:.2f} | {cells} |", flush=True)
    db.client.drop_database("bench_metrics")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mongo", help="MongoDB URI (default: start a private SecantusDB)")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.mongo:
        run(args.mongo, sizes, args.repeat)
        return
    var, port = Path(tempfile.mkdtemp(prefix="metrics-bench-")), free_port()
    server = ManagedProcess("mongo", [str(Path(PYTHON).parent / "secantusd-py"), "--host", "127.0.0.1", "--port",
                                      str(port), "--storage-path", str(var / "mongo"), "--log-level", "WARNING"],
                            {}, var / "mongo.log")
    server.start()
    try:
        wait_for(lambda: port_open(port), "SecantusDB")
        run(f"mongodb://127.0.0.1:{port}/?retryWrites=false", sizes, args.repeat)
    finally:
        server.stop()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
