"""metric_counters: one document per day, department, item and staff member,
summed by the database ($match on indexed dimensions, then $group).

A delta is applied to each counter at most once, however late it is replayed:
the counter keeps the id of every delta it took (`applied`) and the update only
matches a counter that has not taken this one. An id leaves the counter only
once its delta is finished for good: the document that produced it has cleared
it (`finish_delta` writes a `counter_applied` record first), and at least
`APPLIED_RETAIN_SECONDS` have passed, longer than any reconcile may hold a delta
it read (`STALE_SECONDS`), so no replay can come after the id is gone.
`prune_applied` (the service's sweep) removes them; a counter holds only the ids
of the last few minutes, however busy it is.
"""
import datetime as dt
import time

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import BulkWriteError

from services.evaluation import counters

# A reconcile applies a pending delta it read at most STALE_SECONDS ago (older: it reads again), with one
# database call bounded by the client's timeoutMS (30 s, services/common/mongo.py); an id is kept at least
# that long plus a wide margin. The shorter, the smaller the busiest counters' lists of ids: every update
# of a counter rewrites its list (at 300 s, over a thousand ids on a month's counter at 15 submissions a
# second, and those updates were evaluation's slowest database work).
APPLIED_RETAIN_SECONDS = 90  # a finished delta's id stays on its counters at least this long
STALE_SECONDS = 20  # a reconcile re-reads a pending delta it read longer ago than this before applying it
DUPLICATE_KEY = 11000


def whole_months(date_from, date_to) -> tuple[str, str] | None:
    """(first month, last month) when the range is whole calendar months, else None."""
    if not (date_from and date_to) or not date_from.endswith("-01"):
        return None
    last = dt.date.fromisoformat(date_to)
    if (last + dt.timedelta(days=1)).day != 1:
        return None
    return date_from[:7], date_to[:7]


def counter_match(date_from=None, date_to=None, department=None, staff=None, item_code=None,
                  group_by: str | None = None) -> dict:
    """The counters to sum: monthly roll-ups for whole months (unless both staff and item narrow it),
    day counters otherwise."""
    match = {name: value for name, value in (("department", department), ("staff", staff),
                                             ("item_code", item_code)) if value}
    months = whole_months(date_from, date_to)
    narrow = {name for name in ("staff", "item_code") if name in match or group_by == name}
    if months and len(narrow) < 2:
        grain = {frozenset(): counters.MONTH_DEPARTMENT, frozenset({"staff"}): counters.MONTH_STAFF,
                 frozenset({"item_code"}): counters.MONTH_ITEM}[frozenset(narrow)]
        return {"grain": grain, "month": {"$gte": months[0], "$lte": months[1]}, **match}
    span = {op: value for op, value in (("$gte", date_from), ("$lte", date_to)) if value}
    return {"grain": counters.DAY, **({"day": span} if span else {}), **match}


# most selective first; each has a (dimension, grain, day) index
INDEXED_DIMENSIONS = ("staff", "item_code", "department")


def match_stages(match: dict, *rest: dict) -> list[dict]:
    """The $match stages for a counter filter: first the fields one index holds, then the others.

    A server may plan an index only for a filter wholly within one index (SecantusDB does: a month's
    roll-ups of one department were a scan of every counter); filtering the index's few documents
    in a second stage keeps every read on an index. MongoDB merges the stages and plans the same."""
    first = {name: match[name] for name in ("grain", "month", "day") if name in match}
    if "month" not in first:  # day and open-case counters: (dimension, grain, day) indexes
        for name in INDEXED_DIMENSIONS:
            if name in match:
                first[name] = match[name]
                break
    others = {name: value for name, value in match.items() if name not in first}
    for extra in rest:
        others.update(extra)
    return [{"$match": first}] + ([{"$match": others}] if others else [])


class CounterStore:
    def __init__(self, db):
        self.db = db
        self.metric_counters = db.metric_counters
        self.counter_applied = db.counter_applied

    def ensure_indexes(self):
        self.metric_counters.create_index([("grain", ASCENDING), ("day", ASCENDING)])
        self.metric_counters.create_index([("grain", ASCENDING), ("month", ASCENDING)])
        for dimension in ("department", "staff", "item_code"):
            self.metric_counters.create_index([(dimension, ASCENDING), ("grain", ASCENDING), ("day", ASCENDING)])
        self.counter_applied.create_index([("at", ASCENDING)])

    def apply_delta(self, delta_id: str, delta: list[list]) -> None:
        by_counter: dict = {}
        for key, name, value in delta:
            by_counter.setdefault(key, {})[name] = value
        operations = [
            UpdateOne({"_id": key, "applied": {"$ne": delta_id}},
                      {"$inc": fields, "$setOnInsert": counters.dimensions(key), "$push": {"applied": delta_id}},
                      upsert=True)
            for key, fields in by_counter.items()
        ]
        if not operations:
            return
        try:
            self.metric_counters.bulk_write(operations, ordered=False)
        except BulkWriteError as error:  # a duplicate key: that counter took this delta already
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                raise

    def finish_delta(self, delta_id: str, delta: list[list], source: list, now: float | None = None) -> None:
        """Note that every counter of a delta took it (before its document clears it), so the
        sweep may later remove its id from them."""
        # `at` is refreshed by every finish (a replay after a crash too): the retention counts from the last
        self.counter_applied.update_one(
            {"_id": delta_id}, {"$set": {"at": time.time() if now is None else now},
                                "$setOnInsert": {"keys": sorted({key for key, _, _ in delta}), "source": source}},
            upsert=True)

    def prune_applied(self, pending_among, now: float | None = None, limit: int = 500) -> int:
        """Remove from the counters the ids of deltas finished more than APPLIED_RETAIN_SECONDS ago whose
        document no longer holds them (`pending_among(records)`: the ids of those still held); how many.

        In one pass: one $pull per counter for all its ids, not one write per delta (each write rewrites
        the counter with its whole list of ids: per delta, pruning cost as much as counting)."""
        cutoff = (time.time() if now is None else now) - APPLIED_RETAIN_SECONDS
        records = list(self.counter_applied.find({"at": {"$lt": cutoff}}).sort("at", ASCENDING).limit(limit))
        held = pending_among(records)  # a crash after it was noted: the sweep applies (skips) and clears it first
        done = [record for record in records if record["_id"] not in held]
        by_key: dict = {}
        for record in done:
            for key in record["keys"]:
                by_key.setdefault(key, []).append(record["_id"])
        if by_key:
            self.metric_counters.bulk_write(
                [UpdateOne({"_id": key}, {"$pull": {"applied": {"$in": ids}}}) for key, ids in by_key.items()],
                ordered=False)
        if done:
            self.counter_applied.delete_many({"_id": {"$in": [record["_id"] for record in done]}})
        return len(done)

    def replace_counters(self, totals: dict) -> None:
        self.metric_counters.delete_many({})
        self.counter_applied.delete_many({})
        batch = []
        for key, fields in totals.items():
            document = {"_id": key, **counters.dimensions(key), "applied": []}
            for name, value in fields.items():
                if "." in name:
                    group, sub = name.split(".", 1)
                    document.setdefault(group, {})[sub] = value
                else:
                    document[name] = value
            batch.append(document)
            if len(batch) >= 1000:
                self.metric_counters.insert_many(batch, ordered=False)
                batch = []
        if batch:
            self.metric_counters.insert_many(batch, ordered=False)

    def counter_sums(self, match: dict, group_by: str | None = None) -> list[dict]:
        """Summed counters, one row (or one per `group_by` value), computed by the database."""
        accumulators = {name: {"$sum": f"${name}"} for name in counters.SCALARS}
        accumulators.update({name.replace(".", "_"): {"$sum": f"${name}"} for name in counters.LEVEL_FIELDS})
        rows = self.metric_counters.aggregate([
            *match_stages(match),
            {"$group": {"_id": f"${group_by}" if group_by else None, **accumulators}},
        ])
        result = []
        for row in rows:
            row["level"] = {name[-1]: row.pop(name.replace(".", "_"), 0) for name in counters.LEVEL_FIELDS}
            result.append(row)
        return result

    def days_histogram(self, match: dict) -> dict[int, int]:
        """{used working days: completed cases} over the matched counters."""
        rows = self.metric_counters.aggregate([
            *match_stages(match, {"wd": {"$exists": True}}),
            {"$project": {"wd": {"$objectToArray": "$wd"}}},
            {"$unwind": "$wd"},
            {"$group": {"_id": "$wd.k", "n": {"$sum": "$wd.v"}}},
        ])
        return {int(row["_id"]): int(row["n"]) for row in rows if row["n"]}
