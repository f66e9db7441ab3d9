"""Case queues: cursors, keys as of a listing's instant, and merging intake's and approval's pages."""
import pytest

from services.common import caselist
from services.common.errors import InvalidInput
from services.common.supervision import sort_key


def test_cursor_round_trip_and_a_bad_cursor_names_the_field():
    cursor = caselist.encode_cursor("2026-03-10T01:00:00+00:00", "1|2026-03-12|C1")
    assert caselist.decode_cursor(cursor) == {"as_of": "2026-03-10T01:00:00+00:00", "after": "1|2026-03-12|C1"}
    with pytest.raises(InvalidInput) as caught:
        caselist.decode_cursor("not-a-cursor!")
    assert caught.value.errors[0]["field"] == "cursor"


def test_query_errors_all_at_once():
    with pytest.raises(InvalidInput) as caught:
        caselist.check_query({"supervision": "purple", "queue": "theirs", "limit": 0})
    assert {e["field"] for e in caught.value.errors} == {"supervision", "queue", "limit"}


def test_urgent_first_then_earliest_deadline_then_case_number_and_nothing_to_watch_last():
    keys = [sort_key(False, {"stage_deadline": "2026-03-12"}, "C2"),
            sort_key(True, {"stage_deadline": "2026-04-01"}, "C9"),
            sort_key(False, {"stage_deadline": "2026-03-12"}, "C1"), sort_key(False, None, "C0")]
    assert [k.rsplit("|", 1)[1] for k in sorted(keys)] == ["C9", "C1", "C2", "C0"]


def test_the_key_a_case_had_at_the_listing_instant():
    doc = {"sort_key": "k3", "sort_changed_at": "t5",
           "sort_history": [{"key": "k1", "from": "t1"}, {"key": "k2", "from": "t3"}, {"key": "k3", "from": "t5"}]}
    assert caselist.key_as_of(doc, "t6") == "k3"
    assert caselist.key_as_of(doc, "t4") == "k2"
    assert caselist.key_as_of(doc, "t1") == "k1"
    assert caselist.key_as_of(doc, "t0") is None
    assert caselist.key_change("k3", "k3", "t9") == {}
    assert caselist.key_change("k3", "k4", "t9")["$set"] == {"sort_key": "k4", "sort_changed_at": "t9"}


def test_merging_holds_back_rows_beyond_a_source_that_stopped_early():
    intake = {"rows": [("a", 1), ("d", 4)], "bound": None}          # nothing beyond
    approval = {"rows": [("b", 2), ("c", 3)], "bound": "c"}         # full page: more may follow after "c"
    rows, after, more = caselist.merge_sources([intake, approval], 3)
    assert [r[0] for r in rows] == ["a", "b", "c"] and after == "c" and more
    rows, after, more = caselist.merge_sources([intake, {"rows": [("b", 2)], "bound": "b"}], 3)
    assert [r[0] for r in rows] == ["a", "b"] and after == "b" and more   # "d" waits until approval passed it
    rows, after, more = caselist.merge_sources([intake, {"rows": [], "bound": None}], 3)
    assert [r[0] for r in rows] == ["a", "d"] and not more


def test_a_source_page_says_how_far_it_looked():
    assert caselist.source_page([("a", 1), ("b", 2)], 2, 2, 2, "b")["bound"] == "b"
    assert caselist.source_page([("a", 1)], 2, 5, 5, "e")["bound"] == "e"     # scan limit reached
    assert caselist.source_page([("a", 1)], 2, 3, 5, "c")["bound"] is None    # looked at everything
