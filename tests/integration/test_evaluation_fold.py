"""The counters' fold on a real database (services/evaluation/counters_store.py): every delta a
document's write leaves reaches the counters exactly once, through a crash in the middle of a fold,
a folder whose lease expired coming back, events arriving while a fold runs, and an upgrade from
counters kept the earlier way. The metrics are compared with an independent recount each time."""
import random
import time

import pytest

from services.common.mongo import service_database
from services.evaluation import queries
from services.evaluation.counters_store import FOLD_ID, UNCOUNTED, WAITING
from services.evaluation.store import EvaluationStore
from tests.integration.test_evaluation_loop_service import MONTH, month_of_cases, picked, recount

SCOPES = ({}, {"department": "health"}, {"department": "market"}, {"staff": "clerk1"}, {"staff": "chief1"})


class Crash(Exception):
    pass


@pytest.fixture
def store(mongo_uri, db_prefix):
    store = EvaluationStore(service_database("evaluation", {"MONGO_URI": mongo_uri, "MONGO_DB_PREFIX": db_prefix}))
    store.ensure_indexes()
    return store


def record(store, events):
    for event in events:
        store.record_facts(event)


def assert_counts(store, cases):
    for scope in SCOPES:
        assert picked(queries.metrics(store, period=MONTH, **scope)) == recount(cases, **scope), scope
    assert store.case_facts.count_documents({UNCOUNTED: {"$exists": True}}) == 0
    assert store.case_facts.count_documents({WAITING: {"$exists": True}}) == 0


def test_deltas_wait_on_their_documents_until_a_fold_adds_them_once(store):
    events, cases = month_of_cases(seed=21, prefix="F")
    random.Random(2).shuffle(events)
    record(store, events + events[:20])  # some twice: the second changes nothing
    assert queries.metrics(store, period=MONTH)["received"] == 0  # nothing folded yet
    assert store.case_facts.count_documents({UNCOUNTED: {"$exists": True}}) == len(cases)
    waiting = sum(len(doc[UNCOUNTED]) for doc in store.case_facts.find({UNCOUNTED: {"$exists": True}}))
    assert waiting >= len(cases)  # a delta for each event that changed what its case counts
    assert store.fold() == waiting
    assert_counts(store, cases)
    assert store.fold() == 0  # nothing waiting: nothing done, no counter moves
    assert_counts(store, cases)
    assert store.counter_folds.find_one({"_id": FOLD_ID})["seq"] == 1


def test_a_fold_cut_short_by_a_crash_is_finished_once(store):
    events, cases = month_of_cases(seed=22, prefix="K")
    record(store, events)

    class CrashingStore(EvaluationStore):
        def _apply_fold(self, seq, sources, sums):  # half the counters take the fold, then the process dies
            self._apply_counters(seq, sums[: len(sums) // 2])
            raise Crash("killed mid-fold")

    crashing = CrashingStore(store.db)
    with pytest.raises(Crash):
        crashing.fold(now=time.time())
    assert store.counter_folds.find_one({"_id": FOLD_ID})["open"] is True
    assert store.case_facts.count_documents({UNCOUNTED: {"$exists": True}}) == len(cases)  # still held
    # the next folder (after the dead one's lease) finishes the open fold: the half taken is not taken again
    assert store.fold(now=time.time() + 60) == 0  # the replay itself, then nothing new
    assert_counts(store, cases)
    assert store.counter_folds.find_one({"_id": FOLD_ID})["open"] is False


def test_a_folder_whose_lease_expired_adds_nothing_when_it_resumes(store):
    events, cases = month_of_cases(seed=23, prefix="L", count=40)
    record(store, events[:60])
    store.fold()
    stale = store.counter_folds.find_one({"_id": FOLD_ID})["seq"]
    taken = list(store.metric_counters.find())
    # what the stalled holder had written down for its fold (as if it stopped before applying it)
    sums = [[c["_id"], name, value] for c in taken for name, value in c.items() if name in ("received", "accepted")]
    record(store, events[60:])
    store.fold(now=time.time() + 60)  # the next holder moved on: fold stale + 1
    store._apply_fold(stale, [], sums)  # the stalled holder resumes its (already applied) fold
    assert_counts(store, cases)
    assert store.counter_folds.find_one({"_id": FOLD_ID})["seq"] == stale + 1


def test_an_event_recorded_while_a_fold_runs_waits_for_the_next(store):
    events, cases = month_of_cases(seed=24, prefix="M", count=30)
    first = [e for e in events if e["event_type"] == "application_received"]
    record(store, first)

    class EventMidFold(EvaluationStore):
        def _apply_fold(self, seq, sources, sums):
            record(store, [e for e in events if e not in first])  # every later event lands mid-fold
            super()._apply_fold(seq, sources, sums)

    EventMidFold(store.db).fold()
    assert store.case_facts.count_documents({UNCOUNTED: {"$exists": True}}) > 0  # the later deltas wait
    store.fold()
    assert_counts(store, cases)


def test_counters_kept_the_earlier_way_are_rebuilt_once_at_start(store):
    events, cases = month_of_cases(seed=25, prefix="U", count=30)
    record(store, events)
    store.fold()
    # the earlier version's traces: a counter with the ids it took, a document holding a pending delta
    store.metric_counters.update_many({}, {"$set": {"applied": ["U0001:1"]}, "$unset": {"fold": ""}})
    store.metric_counters.update_many({"grain": "day"}, {"$inc": {"received": 5}})  # drifted
    doc = store.case_facts.find_one({})
    store.case_facts.update_one({"_id": doc["_id"]}, {"$set": {"counters_pending": {"id": "x", "delta": []}}})
    store.db.counter_applied.insert_one({"_id": "U0001:1", "at": 0})
    store.counter_folds.delete_many({})  # it had no folds
    store.case_facts.create_index("uncounted", sparse=True)  # how a later one found waiting deltas
    EvaluationStore(store.db).ensure_indexes()
    assert "uncounted_1" not in store.case_facts.index_information()
    assert "counter_applied" not in store.db.list_collection_names()
    assert store.metric_counters.count_documents({"applied": {"$exists": True}}) == 0
    assert store.case_facts.count_documents({"counters_pending": {"$exists": True}}) == 0
    assert_counts(store, cases)
    record(store, month_of_cases(seed=26, prefix="V", count=10)[0])  # and the fold goes on from there
    store.fold()
    assert_counts(store, cases + month_of_cases(seed=26, prefix="V", count=10)[1])
