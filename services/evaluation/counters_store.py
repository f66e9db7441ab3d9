"""metric_counters: one document per day, department, item and staff member,
summed by the database ($match on indexed dimensions, then $group).

A delta is applied to each counter at most once: the counter keeps the ids of
the last deltas it took (`applied`, capped), and the update only matches a
counter that has not taken this one, so a delta replayed after a crash counts once.
"""
from pymongo import ASCENDING, UpdateOne
from pymongo.errors import BulkWriteError

from services.evaluation import counters

APPLIED_KEPT = 64
DUPLICATE_KEY = 11000


def counter_match(date_from=None, date_to=None, department=None, staff=None, item_code=None) -> dict:
    match = {name: value for name, value in (("department", department), ("staff", staff),
                                             ("item_code", item_code)) if value}
    span = {op: value for op, value in (("$gte", date_from), ("$lte", date_to)) if value}
    if span:
        match["day"] = span
    return match


class CounterStore:
    def __init__(self, db):
        self.db = db
        self.metric_counters = db.metric_counters

    def ensure_indexes(self):
        self.metric_counters.create_index([("day", ASCENDING)])
        for dimension in ("department", "staff", "item_code"):
            self.metric_counters.create_index([(dimension, ASCENDING), ("day", ASCENDING)])

    def apply_delta(self, delta_id: str, delta: list[list]) -> None:
        by_counter: dict = {}
        for key, name, value in delta:
            by_counter.setdefault(key, {})[name] = value
        operations = [
            UpdateOne({"_id": key, "applied": {"$ne": delta_id}},
                      {"$inc": fields, "$setOnInsert": counters.dimensions(key),
                       "$push": {"applied": {"$each": [delta_id], "$slice": -APPLIED_KEPT}}},
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

    def replace_counters(self, totals: dict) -> None:
        self.metric_counters.delete_many({})
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
            {"$match": match},
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
            {"$match": {**match, "wd": {"$exists": True}}},
            {"$project": {"wd": {"$objectToArray": "$wd"}}},
            {"$unwind": "$wd"},
            {"$group": {"_id": "$wd.k", "n": {"$sum": "$wd.v"}}},
        ])
        return {int(row["_id"]): int(row["n"]) for row in rows if row["n"]}
