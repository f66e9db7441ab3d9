"""metric_counters: one document per day, department, item and staff member,
summed by the database ($match on indexed dimensions, then $group).

A document (case facts, a rating, a complaint) keeps what it contributes to the
counters (`counted`) and, in the same write that changes it, the difference as
a delta in its `uncounted` list (`counting`). The fold (`fold`, the service's
timer) adds the deltas waiting on every document to the counters in one pass,
each exactly once however it crashes or overlaps:

- one folder at a time (a lease on the fold document);
- a fold is numbered and first written down whole (`open`: the deltas it took
  and their sums per counter) before any counter moves;
- each counter carries the number of the last fold it took (`fold`) and takes a
  fold only if that number is lower, so a replay of an open fold (after a crash,
  or by a holder whose lease expired) adds nothing twice;
- the fold's deltas leave their documents by id after the counters took them,
  and the fold closes; the next fold starts only after that.

So the events of a case cost their own document's write, and a busy month's
counters are written once per fold rather than once per event.
"""
import datetime as dt
import time

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError

from services.common.mongo import drop_index_if_present, duplicates_ignored
from services.evaluation import counters

UNCOUNTED = "uncounted"  # on a document: the deltas the fold has yet to add to the counters
# ... and `waiting: true` while it has any: the fold finds them by equality on a sparse index (SecantusDB
# answers `$exists` by walking every key of the index, so a peek twice a second read the whole collection).
WAITING = "waiting"
FOLD_ID = "fold"
COUNTED = (("case_facts", counters.FACT), ("ratings", counters.RATING), ("complaints", counters.COMPLAINT))


def counting(kind: str, doc: dict) -> dict:
    """The update making a document (as it is after its change) count what it contributes: a new
    `counted_seq` always (every writer guards on it), the contributions, and their difference from
    what it counted before as a delta for the fold."""
    seq = doc.get("counted_seq", 0) + 1
    wanted = counters.contributions(kind, doc)
    update: dict = {"$set": {"counted_seq": seq}}
    if wanted != doc.get("counted", []):
        update["$set"]["counted"] = wanted
        delta = counters.difference(doc.get("counted"), wanted)
        if delta:
            update["$push"] = {UNCOUNTED: {
                "id": f"{doc['_id']}:{seq}",
                "delta": [[key, name, value] for key, fields in delta.items() for name, value in fields.items()]}}
            update["$set"][WAITING] = True
    return merge_updates(update, open_due_change(doc)) if kind == counters.FACT else update


def open_due_change(fact: dict) -> dict:
    """The update keeping a case's `open_due` (its promised date while open, for `pending`) in step; {} if it is."""
    due = counters.open_due(fact)
    if due:
        return {"$set": {"open_due": due}} if due != fact.get("open_due") else {}
    return {"$unset": {"open_due": ""}} if fact.get("open_due") else {}


def merge_updates(*updates: dict) -> dict:
    """One update doing what each of these does (their fields do not overlap)."""
    merged: dict = {}
    for update in updates:
        for op, fields in update.items():
            merged.setdefault(op, {}).update(fields)
    return merged


def counted_document(kind: str, doc: dict) -> dict:
    """A new document with what it counts and its first delta (inserted in one write)."""
    update = counting(kind, doc)
    pushed = update.get("$push", {}).get(UNCOUNTED)
    return {**doc, **update["$set"], **({UNCOUNTED: [pushed]} if pushed else {})}


def with_counting(kind: str, after: dict, update: dict) -> dict:
    """`update` (under a version guard) and what it changes in the counters: `after` is the document
    as the update leaves it."""
    return merge_updates(update, counting(kind, after))


def count_guard(doc: dict) -> dict:
    """Matches the document only as it was read (for `counting`'s update)."""
    return {"_id": doc["_id"], "counted_seq": doc.get("counted_seq") or {"$exists": False}}


def summed(deltas: list[list]) -> dict:
    """{counter_id: {field: total}} of many deltas' [[counter_id, field, value], ...], zeros left out."""
    totals: dict = {}
    for key, name, value in deltas:
        fields = totals.setdefault(key, {})
        fields[name] = fields.get(name, 0) + value
    return {key: {n: v for n, v in fields.items() if v} for key, fields in totals.items() if any(fields.values())}


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
        self.counter_folds = db.counter_folds

    def ensure_indexes(self):
        self.metric_counters.create_index([("grain", ASCENDING), ("day", ASCENDING)])
        self.metric_counters.create_index([("grain", ASCENDING), ("month", ASCENDING)])
        for dimension in ("department", "staff", "item_code"):
            self.metric_counters.create_index([(dimension, ASCENDING), ("grain", ASCENDING), ("day", ASCENDING)])
        for collection, _ in COUNTED:
            self.db[collection].create_index(WAITING, sparse=True)
            # an earlier version found waiting documents through an index on the deltas themselves,
            # rewritten with every delta pushed or pulled
            drop_index_if_present(self.db[collection], f"{UNCOUNTED}_1")

    # --- the fold ------------------------------------------------------------------
    def fold(self, now: float | None = None, batch: int = 500, lease_seconds: float = 30.0) -> int:
        """Add the deltas waiting on the documents to the counters (first any fold a crash left open);
        how many deltas. Nothing waiting costs a few indexed reads and no write."""
        if not self._fold_waiting():
            return 0
        return self._fold_held(now, batch, lease_seconds) or 0

    def caught_up(self, timeout: float = 2.0) -> None:
        """Fold what waits before a read of the counters, so the reader sees every change made before
        it asked; a fold held by another worker is waited for, at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self._fold_waiting() and time.monotonic() < deadline:
            if self._fold_held() is None:
                time.sleep(0.05)  # another worker folds (cooperative under eventlet)

    def _fold_held(self, now: float | None = None, batch: int = 500, lease_seconds: float = 30.0) -> int | None:
        """`fold` under the lease; None when another worker holds it."""
        now = time.time() if now is None else now
        try:
            taken = self.counter_folds.update_one({"_id": FOLD_ID, "until": {"$not": {"$gte": now}}},
                                                  {"$set": {"until": now + lease_seconds}}, upsert=True)
        except DuplicateKeyError:
            return None
        if not (taken.matched_count or taken.upserted_id):
            return None
        try:
            state = self.counter_folds.find_one({"_id": FOLD_ID})
            if state.get("open"):
                self._apply_fold(state["seq"], state["sources"], state["sums"])
            return self._fold_batch(state, batch)
        finally:
            self.counter_folds.update_one({"_id": FOLD_ID, "until": now + lease_seconds}, {"$set": {"until": 0}})

    def _fold_waiting(self) -> bool:
        if self.counter_folds.find_one({"_id": FOLD_ID, "open": True}, {"_id": 1}) is not None:
            return True
        return any(self.db[collection].find_one({WAITING: True}, {"_id": 1}) is not None
                   for collection, _ in COUNTED)

    def _fold_batch(self, state: dict, batch: int) -> int:
        sources, deltas = [], []
        for collection, _ in COUNTED:
            for doc in self.db[collection].find({WAITING: True}, {UNCOUNTED: 1}).limit(batch):
                sources.append([collection, doc["_id"], [entry["id"] for entry in doc.get(UNCOUNTED, [])]])
                deltas += [entry for pending in doc.get(UNCOUNTED, []) for entry in pending["delta"]]
        if not sources:
            return 0
        seq = state.get("seq", 0) + 1
        sums = [[key, name, value] for key, fields in summed(deltas).items() for name, value in fields.items()]
        guard = {"_id": FOLD_ID, "seq": state["seq"] if "seq" in state else {"$exists": False}}
        if not self.counter_folds.update_one(guard, {"$set": {"seq": seq, "open": True, "sources": sources,
                                                              "sums": sums}}).matched_count:
            return 0  # our lease expired and another folder moved on
        self._apply_fold(seq, sources, sums)
        return sum(len(ids) for _, _, ids in sources)

    def _apply_fold(self, seq: int, sources: list, sums: list) -> None:
        """Apply a written-down fold: counters that have not taken it, then its deltas off their documents."""
        self._apply_counters(seq, sums)
        by_collection: dict = {}
        for collection, doc_id, ids in sources:
            doc_ids, delta_ids = by_collection.setdefault(collection, ([], []))
            doc_ids.append(doc_id)
            delta_ids += ids
        for collection, (doc_ids, delta_ids) in by_collection.items():
            coll = self.db[collection]
            coll.update_many({"_id": {"$in": doc_ids}}, {"$pull": {UNCOUNTED: {"id": {"$in": delta_ids}}}})
            coll.update_many({"_id": {"$in": doc_ids}, UNCOUNTED: {"$size": 0}},
                             {"$unset": {UNCOUNTED: "", WAITING: ""}})
        self.counter_folds.update_one({"_id": FOLD_ID, "seq": seq},
                                      {"$set": {"open": False}, "$unset": {"sources": "", "sums": ""}})

    def _apply_counters(self, seq: int, sums: list) -> None:
        """Add fold `seq`'s sums to each counter that has not taken it (a counter's `fold` is the last)."""
        operations = [
            UpdateOne({"_id": key, "fold": {"$not": {"$gte": seq}}},
                      {"$inc": fields, "$set": {"fold": seq}, "$setOnInsert": counters.dimensions(key)}, upsert=True)
            for key, fields in summed(sums).items()
        ]
        if operations:
            with duplicates_ignored():  # a duplicate key: that counter took this fold already
                self.metric_counters.bulk_write(operations, ordered=False)

    def replace_counters(self, totals: dict, fold: int) -> None:
        """Counters from scratch: `fold` is the number of the last fold (any open one is in `totals`)."""
        self.metric_counters.delete_many({})
        batch = []
        for key, fields in totals.items():
            document = {"_id": key, **counters.dimensions(key), "fold": fold}
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
