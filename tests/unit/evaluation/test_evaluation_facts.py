import pytest

from services.common import contracts
from services.common.errors import InvalidInput
from services.evaluation import complaints
from services.evaluation.facts import facts_from, local_date, told_again_later

CASE = {"case_no": "C1", "item_code": "I", "item_name": "事项", "department": "health", "owner": "u",
        "channel": "window"}


def evt(event_type, **fields):
    return {"event_id": "e", "event_type": event_type, **CASE, **fields}


def test_received_date_is_the_shanghai_calendar_day():
    assert local_date("2025-03-02T17:30:00+00:00") == "2025-03-03"
    assert local_date("2025-03-03") == "2025-03-03"
    assert local_date(None) is None


def test_received_event():
    facts = facts_from(evt(contracts.APPLICATION_RECEIVED, received_at="2025-03-03T09:00:00+08:00", status="x"))
    assert facts == {**{k: v for k, v in CASE.items() if k != "case_no"},
                     "received_at": "2025-03-03T09:00:00+08:00", "received_on": "2025-03-03"}


def test_a_receipt_accepted_in_the_same_write_is_told_again_by_the_acceptance():
    at = "2025-03-03T09:00:00+08:00"
    received = evt(contracts.APPLICATION_RECEIVED, received_at=at, status="accepted")
    accepted = evt(contracts.APPLICATION_ACCEPTED, received_at=at, accepted_on="2025-03-03", deadlines=None,
                   first_contact={"username": "clerk1"})
    assert told_again_later(received)
    assert facts_from(received).items() <= facts_from(accepted).items()  # nothing lost by skipping it
    for status in ("pre_review", "awaiting_supplement"):  # the acceptance comes later, if ever
        assert not told_again_later(evt(contracts.APPLICATION_RECEIVED, received_at=at, status=status))
    assert not told_again_later(accepted)


def test_accepted_without_deadlines_keeps_known_deadlines():
    facts = facts_from(evt(contracts.APPLICATION_ACCEPTED, received_at="2025-03-03T09:00:00+08:00",
                           accepted_on="2025-03-03", deadlines=None))
    assert "deadlines" not in facts and facts["accepted_on"] == "2025-03-03"


def test_refused_and_decided_and_closed():
    refused = facts_from(evt(contracts.APPLICATION_REFUSED, reason="不符合", actor="clerk1"))
    assert refused["refused"] is True and refused["refused_by"] == "clerk1"
    decided = facts_from(evt(contracts.CASE_DECIDED, result="approved", decided_on="2025-03-10", on_time=True,
                             early=False, used_working_days=5, accepted_on="2025-03-03", deadlines=None))
    assert (decided["result"], decided["on_time"], decided["early"], decided["used_working_days"]) == (
        "approved", True, False, 5)
    closed = facts_from(evt(contracts.CASE_CLOSED, status="withdrawn", closed_on="2025-03-05"))
    assert closed["closed_status"] == "withdrawn"


def test_no_owner_is_left_out():
    assert "owner" not in facts_from(evt(contracts.CASE_CLOSED, owner=None, status="closed", closed_on="d"))


GOOD = {"department": "health", "subject": "窗口推诿", "text": "多次往返未办成", "contact": "13812345678"}


def test_complaint_is_cleaned():
    assert complaints.validate({**GOOD, "subject": " 窗口推诿 "}) == {
        **GOOD, "case_no": None, "channel": "web", "staff": None, "anonymous": False}
    assert complaints.validate({**GOOD, "channel": "hotline"})["channel"] == "hotline"


def test_complaint_names_every_bad_field():
    with pytest.raises(InvalidInput) as error:
        complaints.validate({"case_no": 7, "subject": "x" * 201, "text": " ", "channel": "fax"})
    assert [e["field"] for e in error.value.errors] == [
        "case_no", "department", "subject", "text", "contact", "channel"]
    anonymous = complaints.validate({**GOOD, "contact": None, "anonymous": True, "channel": "suggestion_box"})
    assert anonymous["contact"] is None and anonymous["anonymous"] is True
    with pytest.raises(InvalidInput) as error:
        complaints.validate("text")
    assert error.value.errors[0]["field"] == "complaint"


def test_complaint_view_masks_the_contact():
    doc = {"_id": "c1", "status": "received", **GOOD, "case_no": None, "created_at": "t", "history": [],
           "submitted_by": "zhangsan"}
    view = complaints.view(doc)
    assert view["contact"] == "138****5678" and view["submitted_by"] == "zhangsan"
