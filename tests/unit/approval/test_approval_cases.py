"""The case document, its view and the events a step announces."""
import datetime as dt

import pytest

from services.approval import cases, workflow
from services.approval.events import step_events
from services.common import contracts
from services.common.calendar import OfficialCalendar
from services.common.clock import WorkingDayClock
from services.common.errors import InvalidInput

CLOCK = WorkingDayClock(OfficialCalendar())
CHIEF = {"username": "chief", "role": "chief_rep", "department": "health"}


def payload(**overrides):
    base = {
        "case_no": "C-1", "item_code": "HEALTH-PUBLIC-PLACE-NEW", "item_name": "公共场所卫生许可",
        "department": "health", "owner": "zhang", "channel": "window", "received_at": "2026-03-02T01:00:00+00:00",
        "accepted_at": "2026-03-02T01:00:00+00:00", "accepted_on": "2026-03-02",
        "item": {"case_kind": "promised", "promised_days": 5, "statutory_days": 20, "stages": [],
                 "joint_departments": [], "higher_authority": None, "licence_valid_years": 4},
        "deadlines": None,
        "applicant": {"type": "person", "name": "张三", "id_number": "110101199003071234", "phone": "13812345678"},
        "first_contact": {"username": "clerk", "display_name": "李"}, "notice": {"no": "N1"},
        "history": [{"at": "2026-03-02T01:00:00+00:00", "status": "accepted", "action": "accept",
                     "actor_role": "clerk"}],
    }
    return {**base, **overrides}


def test_check_accepted_names_every_bad_field():
    with pytest.raises(InvalidInput) as caught:
        cases.check_accepted(payload(case_no="", accepted_on="2026-3-2", item={"promised_days": -1}))
    assert [e["field"] for e in caught.value.errors] == [
        "case_no", "accepted_on", "item.promised_days", "item.statutory_days"]


def test_new_case_masks_the_applicant_and_keeps_intake_history():
    doc = cases.new_case(payload(), {"promised": "2026-03-09", "statutory": "2026-03-30", "estimated": False}, "now")
    assert doc["_id"] == "C-1" and doc["status"] == "accepted" and doc["version"] == 1
    assert doc["applicant"]["id_number"] == "110***********1234"
    assert doc["applicant"]["phone"] == "138****5678"
    view = cases.case_view(doc, CLOCK, dt.date(2026, 3, 4))
    assert view["history"][0]["action"] == "accept"
    assert view["clock"] == {"paused": False, "used_working_days": 2}
    assert "certificate_no" not in view
    assert set(view) >= {"case_no", "item_code", "item_name", "department", "channel", "status", "owner",
                         "submitted_by", "applicant", "missing", "deadlines", "clock", "history", "notice",
                         "first_contact"}


def test_used_working_days_stop_at_the_decision():
    doc = cases.new_case(payload(), None, "now")
    doc["clock"] = {"paused": False, "pauses": [], "stopped_on": "2026-03-04"}
    assert cases.used_working_days(doc, CLOCK, dt.date(2026, 6, 1)) == 2


def test_decision_events_say_whether_it_was_on_time_and_early():
    doc = cases.new_case(payload(), {"promised": "2026-03-09", "statutory": "2026-03-30", "estimated": False}, "now")
    doc["status"] = "in_review"
    step = workflow.apply(doc, "approve", CHIEF, {}, dt.date(2026, 3, 9))
    after = cases.advanced(doc, step, CLOCK, dt.date(2026, 3, 9))
    assert after["decision"]["used_working_days"] == 5 and after["status"] == "approved"
    events = step_events(after, step, CHIEF, "req-1", dt.date(2026, 3, 9))
    assert [e["event_type"] for e in events] == [contracts.CASE_STATUS_CHANGED, contracts.CASE_DECIDED]
    decided = events[1]
    assert decided["on_time"] is True and decided["early"] is False
    assert decided["decided_by"] == "chief" and decided["used_working_days"] == 5
    assert decided["request_id"] == "req-1"
    late = workflow.apply(doc, "approve", CHIEF, {}, dt.date(2026, 3, 10))
    decided = step_events(cases.advanced(doc, late, CLOCK, dt.date(2026, 3, 10)), late, CHIEF, None,
                          dt.date(2026, 3, 10))[1]
    assert decided["on_time"] is False and decided["early"] is False and decided["used_working_days"] == 6


def test_changed_fields_cover_the_step():
    doc = cases.new_case(payload(), None, "now")
    step = workflow.apply(doc, "pause_clock", CHIEF, {"comment": "检测"}, dt.date(2026, 3, 3))
    after = cases.advanced(doc, step, CLOCK, dt.date(2026, 3, 3))
    assert set(cases.changed_fields(after, step)) == {"status", "deadlines", "clock", "stage_since", "holder"}
    assert after["deadlines"] == CLOCK.deadlines(dt.date(2026, 3, 2), 5, 20)


def test_closing_steps_announce_case_closed():
    doc = cases.new_case(payload(), None, "now")
    step = workflow.apply(doc, "withdraw", CHIEF, {}, dt.date(2026, 3, 3))
    events = step_events(doc, step, CHIEF, None, dt.date(2026, 3, 3))
    assert events[-1]["event_type"] == contracts.CASE_CLOSED
    assert events[-1]["closed_on"] == "2026-03-03" and events[-1]["status"] == "withdrawn"


def test_the_scan_mark_leaves_to_the_scan_only_a_case_with_an_alert_to_announce():
    deadlines = {"promised": "2026-03-09", "statutory": "2026-03-30", "estimated": False}
    doc = cases.new_case(payload(), deadlines, "now")

    def mark(case, today):   # as every change stores it
        return cases.list_fields(case, CLOCK, today)["scanned_on"]

    assert mark(doc, dt.date(2026, 3, 3)) == "2026-03-03"   # green: looked at again tomorrow
    assert mark(doc, dt.date(2026, 3, 6)) == cases.RESCAN   # yellow: the scan announces it
    assert mark(doc, dt.date(2026, 3, 10)) == cases.RESCAN  # red
    for status in ("approved", "certificate_issued"):   # the licence's issue is watched
        assert mark({**doc, "status": status}, dt.date(2026, 3, 3)) != cases.UNWATCHED
    for status in ("closed", "withdrawn"):
        assert mark({**doc, "status": status}, dt.date(2026, 3, 10)) == cases.UNWATCHED
    assert cases.RESCAN < "2026-03-03" < cases.UNWATCHED   # the due cases are one bounded range
