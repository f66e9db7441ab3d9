"""Before acceptance: receipt, one-time notice, acceptance, refusal; records, notices, privacy."""
import datetime as dt

import pytest

from services.common import contracts, policy
from services.common.calendar import OfficialCalendar
from services.common.clock import WorkingDayClock
from services.common.errors import Conflict, Forbidden, InvalidInput
from services.intake import workflow
from services.intake.application import validate_application
from services.intake.completeness import check_completeness
from services.intake.privacy import check_may_contact, id_number_hash, stored_applicant
from services.intake.records import case_view, fingerprint, new_record

TODAY = dt.date(2026, 11, 23)
AT = "2026-11-23T02:00:00+00:00"
CLERK = {"username": "clerk1", "role": "clerk", "department": "health", "display_name": "李娜"}
CLOCK = WorkingDayClock(OfficialCalendar())
APPLICANT = {"username": "wangjg", "role": "applicant", "department": None, "display_name": "王建国"}


def make_record(body, item, actor=CLERK):
    application = validate_application(body, item, TODAY)
    applicant = stored_applicant(application["applicant"], "test-key")
    return new_record("411400-HEALTH-20261123-00001", application, item, actor, applicant, AT, TODAY.isoformat())


def completeness(record):
    return check_completeness(record["item"]["materials"], record["materials"], record["pledge_requests"], TODAY)


def test_the_full_id_number_is_never_stored_nor_shown(person_body, public_place):
    record = make_record(person_body, public_place)
    assert "11010519491231002X" not in repr(record)
    assert record["applicant"]["id_number_hash"] == id_number_hash("11010519491231002x", "test-key")
    view = case_view(record)
    assert view["applicant"] == {"type": "person", "name": "王建国", "id_number": "110***********002X",
                                 "phone": "138****5678"}


def test_owner_and_first_contact(person_body, public_place):
    record = make_record({**person_body, "owner_account": "wangjg"}, public_place)
    assert record["owner"] == "wangjg" and record["submitted_by"] == "clerk1"
    assert record["first_contact"] == {"username": "clerk1", "display_name": "李娜", "work_no": None}
    online = make_record({**person_body, "channel": "online", "owner_account": "someone"}, public_place, APPLICANT)
    assert online["owner"] == "wangjg" and online["first_contact"] is None


def test_one_time_notice_lists_everything_and_is_an_event(person_body, public_place):
    person_body["materials"] = [{"code": "APPLICATION_FORM"}]
    record = make_record(person_body, public_place)
    events = workflow.issue_one_time_notice(record, completeness(record), AT, "2026-11-23", CLERK, "submit")
    assert record["status"] == "awaiting_supplement"
    assert len(record["missing"]) == len(public_place["materials"]) - 1
    notice = record["notice"]
    assert notice["kind"] == "one_time_notice" and notice["number"] == "GZ-411400-HEALTH-20261123-00001"
    assert notice["items"] == record["missing"]
    for material in record["missing"]:
        assert material["name"] in notice["text"]
    [(event_type, fields)] = events
    contracts.event(event_type, **fields)  # matches the contract
    assert event_type == contracts.ONE_TIME_NOTICE_ISSUED and fields["missing"] == record["missing"]


def test_accept_builds_the_contract_payload_with_working_day_deadlines(person_body, public_place):
    record = make_record(person_body, public_place)
    accepted = workflow.accept(record, completeness(record), AT, "2026-11-23", CLERK, "submit", CLOCK)
    event = contracts.event(contracts.APPLICATION_ACCEPTED, **accepted)
    assert record["status"] == "accepted"
    assert event["item"]["promised_days"] == 10 and event["applicant"]["id_number"] == "110***********002X"
    assert event["history"][-1]["action"] == "submit" and event["history"][-1]["status"] == "accepted"
    # Monday 2026-11-23 is not counted: 10 working days end on Monday 12-07, 20 on 12-21
    deadlines = {"promised": "2026-12-07", "statutory": "2026-12-21", "estimated": False}
    assert record["deadlines"] == event["deadlines"] == deadlines
    assert event["notice"]["kind"] == "acceptance_notice" and event["notice"] == record["notice"]
    assert "承诺于2026-12-07前办结" in record["notice"]["text"]


def test_acceptance_deadlines_skip_admin_holidays(person_body, public_place):
    record = make_record(person_body, public_place)
    holidays = {2026: {"holidays": ["2026-11-24", "2026-11-25"], "workdays": []}}
    workflow.accept(record, completeness(record), AT, "2026-11-23", CLERK, "submit",
                    WorkingDayClock(OfficialCalendar(holidays)))
    assert record["deadlines"]["promised"] == "2026-12-09"


def test_acceptance_notice_mentions_pledges(person_body, public_place):
    person_body["materials"] = [m for m in person_body["materials"] if m["code"] != "HYGIENE_RULES"]
    person_body["pledges"] = [{"material_code": "HYGIENE_RULES", "due_date": "2026-12-10"}]
    record = make_record(person_body, public_place)
    workflow.accept(record, completeness(record), AT, "2026-11-23", CLERK, "submit", CLOCK)
    assert record["pledges"][0]["code"] == "HYGIENE_RULES"
    assert "2026-12-10" in record["notice"]["text"]


def test_refusal_needs_a_reason_and_tells_the_remedies(person_body, public_place):
    record = make_record({**person_body, "channel": "online"}, public_place, APPLICANT)
    workflow.to_pre_review(record, AT, APPLICANT)
    with pytest.raises(InvalidInput) as raised:
        workflow.refusal_reason({"comment": "  "})
    assert raised.value.errors[0]["field"] == "comment"
    assert workflow.refusal_reason({"reason": "不属于本机关职权范围"}) == "不属于本机关职权范围"
    [(event_type, fields)] = workflow.refuse(record, "不属于本机关职权范围", AT, "2026-11-23", CLERK)
    assert contracts.event(event_type, **fields)["actor"] == "clerk1"  # credited with the refusal
    notice = record["notice"]
    assert notice["number"].startswith("BSL-") and notice["date"] == "2026-11-23"
    assert "行政复议" in notice["text"] and "行政诉讼" in notice["text"] and "不属于本机关职权范围" in notice["text"]
    assert record["history"][-1] == {"at": AT, "status": "refused", "action": "refuse", "actor_role": "clerk",
                                     "actor": "clerk1", "actor_work_no": None, "comment": "不属于本机关职权范围"}
    assert record["first_contact"] == {"username": "clerk1", "display_name": "李娜", "work_no": None}


@pytest.mark.parametrize("status, action, allowed", [
    ("pre_review", "accept", True), ("pre_review", "refuse", True), ("awaiting_supplement", "refuse", True),
    ("awaiting_supplement", "supplement", True), ("awaiting_supplement", "accept", False),
    ("accepted", "refuse", False), ("refused", "accept", False), ("pre_review", "supplement", False),
    ("pre_review", "approve", False),
])
def test_which_actions_are_legal(status, action, allowed):
    record = {"status": status}
    if allowed:
        workflow.require_action(record, action)
    else:
        with pytest.raises(Conflict):
            workflow.require_action(record, action)


def test_only_staff_of_the_department_decide():
    # intake's accept and refuse are judged by the one policy (services/intake/service.py)
    record = {"department": "health"}
    assert policy.judge(CLERK, "accept", record)
    for actor in (APPLICANT, {**CLERK, "department": "market"}, {"role": "api_client", "username": "prov"}):
        assert not policy.judge(actor, "accept", record)


def test_fingerprint_ignores_key_order():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_only_notification_may_have_the_applicants_contact_in_full():
    check_may_contact(contracts.service_actor(contracts.Notification.SERVICE))
    clerk = {"username": "clerk1", "role": "clerk", "department": "health", "display_name": "窗口"}
    for stranger in (None, {}, clerk, contracts.service_actor(contracts.Evaluation.SERVICE)):
        with pytest.raises(Forbidden):
            check_may_contact(stranger)
