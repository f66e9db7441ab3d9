"""Approval's authority for case views: letters and away flags read at most once a second,
a change made in this process seen at once; decisions always read afresh."""
from services.approval.store import AuthorityStore
from services.common.mongo import get_client


def test_views_reuse_a_recent_read_and_see_a_local_change_at_once(mongo_uri, db_prefix):
    db = get_client(mongo_uri)[f"{db_prefix}_approval"]
    now = [0.0]
    store = AuthorityStore(db, now=lambda: now[0])
    letter = {"_id": "L1", "department": "health", "status": "active", "issued_at": "2026-01-01", "version": 1}
    store.insert_letter(letter)
    assert [x["_id"] for x in store.for_view("health")[0]] == ["L1"]

    db.presence.insert_one({"_id": "chief1", "away": True})      # another replica's change
    assert store.for_view("health")[1] == []                       # within the second: the earlier read
    assert store.away() == ["chief1"]                              # a decision reads afresh
    now[0] = 1.0
    assert store.for_view("health")[1] == ["chief1"]               # a second later: read again

    store.update_letter("L1", 1, {"status": "revoked"})            # this process's change: seen at once
    assert store.for_view("health")[0] == []
    store.set_away("chief1", "health", False, "2026-01-02T00:00:00+00:00")
    assert store.for_view("health")[1] == []
