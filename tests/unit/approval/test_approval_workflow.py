"""The case state machine: every allowed and every refused transition (who may act: test_policy.py)."""
import datetime as dt

import pytest

from services.approval import workflow
from services.common import policy
from services.common.errors import Conflict, InvalidInput

TODAY = dt.date(2026, 3, 10)
CHIEF = {"username": "chief", "role": "chief_rep", "department": "health", "display_name": "首席代表"}
CLERK = {"username": "clerk", "role": "clerk", "department": "health", "display_name": "窗口人员"}
REVIEWER = {"username": "rev", "role": "reviewer", "department": "health", "display_name": "审查员"}
ADMIN = {"username": "admin", "role": "centre_admin", "department": None, "display_name": "管理员"}

STATUSES = ("accepted", "in_review", "site_inspection", "joint_review", "escalated", "approved", "denied",
            "certificate_issued", "closed", "withdrawn")
OPEN = ("accepted", "in_review", "site_inspection", "joint_review", "escalated")
# action -> (statuses it is legal in, status it leads to); written out here, independent of the module.
EXPECTED = {
    "start_review": (("accepted",), "in_review"),
    "schedule_inspection": (("in_review",), "site_inspection"),
    "record_inspection": (("in_review", "site_inspection"), "in_review"),
    "sign_joint": (("joint_review",), "in_review"),
    "escalate": (("in_review",), "escalated"),
    "record_higher_decision": (("escalated",), "approved"),
    "approve": (("in_review",), "approved"),
    "deny": (("in_review", "site_inspection"), "denied"),
    "pause_clock": (OPEN, None),
    "resume_clock": (OPEN, None),
    "issue_certificate": (("approved",), "certificate_issued"),
    "deliver": (("certificate_issued", "approved", "denied"), "closed"),
    "withdraw": (OPEN, "withdrawn"),
    "refer": (OPEN, None),
    "extend": (OPEN, None),
    "mark_urgent": (OPEN + ("approved", "denied", "certificate_issued"), None),
}
PARAMS = {
    "record_inspection": {"result": "passed"},
    "record_higher_decision": {"result": "approved"},
    "deny": {"comment": "材料不实"},
    "pause_clock": {"comment": "专家评审"},
    "refer": {"procedure": "hearing", "comment": "申请人要求听证"},
    "extend": {"reason": "需补充调查"},
}


def item(**overrides):
    base = {"case_kind": "promised", "promised_days": 15, "statutory_days": 20, "stages": [],
            "joint_departments": [], "higher_authority": None, "licence_valid_years": 4}
    return {**base, **overrides}


def make_case(status="accepted", paused=False, **item_overrides):
    pauses = [{"from": "2026-03-05", "to": None, "reason": "检验"}] if paused else []
    return {"case_no": "C1", "department": "health", "status": status, "accepted_on": "2026-03-02",
            "item": item(**item_overrides), "clock": {"paused": paused, "pauses": pauses}}


def case_for(action, status):
    """A case on which only the status decides whether `action` is legal."""
    if action in ("escalate", "record_higher_decision"):
        return make_case(status, case_kind="escalated", higher_authority="省卫生健康委")
    if action == "sign_joint":
        return make_case(status, case_kind="joint")
    if action == "resume_clock":
        return make_case(status, paused=True)
    if action == "deliver":
        return make_case(status, licence_valid_years=None)
    return make_case(status)


@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("status", STATUSES)
def test_every_action_in_every_status(action, status):
    legal, target = EXPECTED[action]
    case = case_for(action, status)
    if status in legal:
        step = workflow.apply(case, action, CHIEF, PARAMS.get(action), TODAY)
        assert step.previous_status == status
        assert step.status == (target or status)
    else:
        with pytest.raises(Conflict) as caught:
            workflow.apply(case, action, CHIEF, PARAMS.get(action), TODAY)
        message = caught.value.detail
        assert workflow.STATUS_NAMES[status] in message and workflow.ACTION_NAMES[action] in message


def test_the_table_covers_every_action_and_right():
    assert set(workflow.ACTIONS) == set(EXPECTED) == set(policy.CASE_ACTIONS) - set(policy.RECEIVING)
    assert set(workflow.STATUS_NAMES) == set(STATUSES)


def test_unknown_action_is_invalid_input():
    with pytest.raises(InvalidInput) as caught:
        workflow.apply(make_case(), "explode", CHIEF, {}, TODAY)
    assert caught.value.errors[0]["field"] == "action"


# --- start_review, joint review ------------------------------------------------------

def test_start_review_of_a_joint_item_goes_to_joint_review():
    case = make_case(case_kind="joint", joint_departments=["market"])
    assert workflow.apply(case, "start_review", CLERK, {}, TODAY).status == "joint_review"
    case = make_case(joint_departments=["market"])  # named departments make it joint too
    assert workflow.apply(case, "start_review", CLERK, {}, TODAY).status == "joint_review"


def test_joint_review_moves_on_only_when_every_department_signed():
    case = make_case("joint_review", case_kind="joint", joint_departments=["market", "fire"])
    market = {"username": "m", "role": "reviewer", "department": "market"}
    fire = {"username": "f", "role": "chief_rep", "department": "fire"}
    step = workflow.apply(case, "sign_joint", market, {}, TODAY)
    assert step.status == "joint_review"
    case = {**case, **step.changes}
    step = workflow.apply(case, "sign_joint", CLERK, {}, TODAY)
    assert step.status == "joint_review"
    case = {**case, **step.changes}
    step = workflow.apply(case, "sign_joint", fire, {}, TODAY)
    assert step.status == "in_review"
    assert [s["department"] for s in step.changes["joint_signatures"]] == ["market", "health", "fire"]


def test_a_department_signs_once():
    case = make_case("joint_review", case_kind="joint", joint_departments=["market"])
    case = {**case, **workflow.apply(case, "sign_joint", CLERK, {}, TODAY).changes}
    with pytest.raises(Conflict):
        workflow.apply(case, "sign_joint", REVIEWER, {}, TODAY)


def test_a_department_outside_the_joint_review_may_not_sign():
    case = make_case("joint_review", case_kind="joint", joint_departments=["market"])
    with pytest.raises(InvalidInput):
        workflow.apply(case, "sign_joint", {"username": "x", "role": "chief_rep", "department": "tax"}, {}, TODAY)


# --- inspection -------------------------------------------------------------------------

def test_record_inspection_needs_a_result():
    for params in ({}, {"result": "ok"}):
        with pytest.raises(InvalidInput) as caught:
            workflow.apply(make_case("in_review"), "record_inspection", CLERK, params, TODAY)
        assert caught.value.errors[0]["field"] == "result"


def test_an_inspected_item_is_approved_only_after_a_passed_inspection():
    case = make_case("in_review", stages=["review", "site_inspection", "decision"])
    with pytest.raises(Conflict):
        workflow.apply(case, "approve", CHIEF, {}, TODAY)
    case = {**case, "status": "site_inspection"}
    failed = workflow.apply(case, "record_inspection", REVIEWER, {"result": "failed"}, TODAY)
    assert failed.status == "in_review" and failed.changes["inspection"]["result"] == "failed"
    case = {**case, **failed.changes, "status": failed.status}
    with pytest.raises(Conflict):
        workflow.apply(case, "approve", CHIEF, {}, TODAY)
    passed = workflow.apply(case, "record_inspection", REVIEWER, {"result": "passed"}, TODAY)
    case = {**case, **passed.changes, "status": passed.status}
    assert workflow.apply(case, "approve", CHIEF, {}, TODAY).status == "approved"


# --- decisions --------------------------------------------------------------------------

def test_approve_records_the_decision_and_stops_the_clock():
    step = workflow.apply(make_case("in_review"), "approve", CHIEF, {"comment": "符合条件"}, TODAY)
    assert step.decision == {"result": "approved", "reason": None, "decided_on": "2026-03-10", "decided_by": "chief"}
    assert step.changes["clock"]["stopped_on"] == "2026-03-10"
    assert step.comment == "符合条件"


def test_a_decision_ends_an_open_pause():
    step = workflow.apply(make_case("in_review", paused=True), "approve", CHIEF, {}, TODAY)
    assert step.changes["clock"]["paused"] is False
    assert step.changes["clock"]["pauses"][-1]["to"] == "2026-03-10"


def test_deny_needs_a_reason():
    with pytest.raises(InvalidInput) as caught:
        workflow.apply(make_case("in_review"), "deny", CHIEF, {"comment": "  "}, TODAY)
    assert caught.value.errors[0]["field"] == "comment"
    step = workflow.apply(make_case("in_review"), "deny", CHIEF, {"reason": "不符合卫生要求"}, TODAY)
    assert step.status == "denied" and step.decision["reason"] == "不符合卫生要求"


def test_escalation_only_for_escalated_items():
    with pytest.raises(Conflict):
        workflow.apply(make_case("in_review"), "escalate", CLERK, {}, TODAY)
    case = make_case("in_review", case_kind="escalated")
    assert workflow.apply(case, "escalate", CLERK, {}, TODAY).status == "escalated"
    with pytest.raises(Conflict):  # the higher authority decides, not the window
        workflow.apply(case, "approve", CHIEF, {}, TODAY)


def test_higher_decision_result_and_reason():
    case = make_case("escalated", case_kind="escalated")
    with pytest.raises(InvalidInput) as caught:
        workflow.apply(case, "record_higher_decision", CHIEF, {"result": "maybe"}, TODAY)
    assert caught.value.errors[0]["field"] == "result"
    with pytest.raises(InvalidInput) as caught:
        workflow.apply(case, "record_higher_decision", CHIEF, {"result": "denied"}, TODAY)
    assert caught.value.errors[0]["field"] == "comment"
    step = workflow.apply(case, "record_higher_decision", CHIEF, {"result": "denied", "comment": "不符合规划"}, TODAY)
    assert step.status == "denied" and step.decision["result"] == "denied"


# --- certificate and delivery ----------------------------------------------------------

def test_certificate_only_for_items_with_a_licence():
    with pytest.raises(Conflict):
        workflow.apply(make_case("approved", licence_valid_years=None), "issue_certificate", CHIEF, {}, TODAY)


def test_delivery_of_a_licensed_approval_needs_the_certificate_first():
    with pytest.raises(Conflict):
        workflow.apply(make_case("approved"), "deliver", CLERK, {}, TODAY)
    assert workflow.apply(make_case("certificate_issued"), "deliver", CLERK, {}, TODAY).status == "closed"
    assert workflow.apply(make_case("denied"), "deliver", CLERK, {}, TODAY).closes


def test_withdraw_closes_and_stops_the_clock():
    step = workflow.apply(make_case("in_review"), "withdraw", CLERK, {"comment": "申请人撤回"}, TODAY)
    assert step.closes and step.changes["clock"]["stopped_on"] == "2026-03-10"


# --- clock ------------------------------------------------------------------------------

def test_pause_needs_a_reason_and_keeps_the_status():
    with pytest.raises(InvalidInput) as caught:
        workflow.apply(make_case("in_review"), "pause_clock", CLERK, {}, TODAY)
    assert caught.value.errors[0]["field"] == "comment"
    step = workflow.apply(make_case("in_review"), "pause_clock", CLERK,
                          {"comment": "检测", "kind": "testing", "expected_days": 15}, TODAY)
    assert step.status == "in_review"
    assert step.changes["clock"] == {"paused": True, "pauses": [
        {"from": "2026-03-10", "to": None, "reason": "检测", "kind": "testing", "expected_days": 15}]}


def test_pause_twice_or_resume_unpaused_is_a_conflict():
    with pytest.raises(Conflict):
        workflow.apply(make_case("in_review", paused=True), "pause_clock", CLERK, {"comment": "x"}, TODAY)
    with pytest.raises(Conflict):
        workflow.apply(make_case("in_review"), "resume_clock", CLERK, {}, TODAY)


def test_resume_closes_the_pause():
    step = workflow.apply(make_case("in_review", paused=True), "resume_clock", CLERK, {}, TODAY)
    assert step.changes["clock"] == {"paused": False, "pauses": [{"from": "2026-03-05", "to": "2026-03-10",
                                                                 "reason": "检验"}]}


def test_a_pause_starts_today_and_is_never_back_dated():
    step = workflow.apply(make_case("in_review"), "pause_clock", CLERK, {"comment": "x", "on": "2026-03-10"}, TODAY)
    assert step.changes["clock"]["pauses"][0]["from"] == "2026-03-10"
    assert step.changes["clock"]["pauses"][0]["expected_days"] == workflow.DEFAULT_PAUSE_DAYS
    for on in ("2026-03-03", "2026-03-11", "03/03/2026"):
        with pytest.raises(InvalidInput) as caught:
            workflow.apply(make_case("in_review"), "pause_clock", CLERK, {"comment": "x", "on": on}, TODAY)
        assert caught.value.errors[0]["field"] == "on"
    with pytest.raises(InvalidInput) as caught:
        workflow.apply(make_case("in_review"), "pause_clock", CLERK,
                       {"comment": "x", "kind": "nap", "expected_days": 0}, TODAY)
    assert {e["field"] for e in caught.value.errors} == {"kind", "expected_days"}
    with pytest.raises(InvalidInput):  # a resumption before the pause began
        workflow.apply(make_case("in_review", paused=True), "resume_clock", CLERK, {"on": "2026-03-04"}, TODAY)


def test_extension_once_with_a_reason_and_at_most_the_law_allows():
    step = workflow.apply(make_case("in_review"), "extend", CLERK, {"reason": "需现场复核"}, TODAY)
    assert step.changes["extension"]["days"] == 10 and step.comment == "需现场复核"
    with pytest.raises(InvalidInput) as caught:
        workflow.apply(make_case("in_review"), "extend", CLERK, {"days": 11}, TODAY)
    assert {e["field"] for e in caught.value.errors} == {"days", "reason"}
    joint = make_case("joint_review", case_kind="joint")
    extended = workflow.apply(joint, "extend", CLERK, {"days": 15, "reason": "联办"}, TODAY)
    assert extended.changes["extension"]["days"] == 15
    with pytest.raises(Conflict):
        workflow.apply({**make_case("in_review"), "extension": step.changes["extension"]}, "extend", CLERK,
                       {"reason": "again"}, TODAY)


def test_refer_names_a_reserved_procedure_and_marks_urgent_once():
    with pytest.raises(InvalidInput) as caught:
        workflow.apply(make_case("in_review"), "refer", CLERK, {"procedure": "lunch"}, TODAY)
    assert caught.value.errors[0]["field"] == "procedure"
    step = workflow.apply(make_case("in_review"), "refer", CLERK, {"procedure": "expert_review"}, TODAY)
    assert step.changes["referred"]["procedure"] == "expert_review"
    urgent = workflow.apply(make_case("in_review"), "mark_urgent", CLERK, {}, TODAY)
    assert urgent.changes["urgent"] is True
    with pytest.raises(Conflict):
        workflow.apply({**make_case("in_review"), "urgent": True}, "mark_urgent", CLERK, {}, TODAY)


def test_params_must_be_an_object():
    with pytest.raises(InvalidInput) as caught:
        workflow.apply(make_case(), "start_review", CLERK, ["x"], TODAY)
    assert caught.value.errors[0]["field"] == "params"


def test_a_joint_review_stage_makes_an_item_joint():
    case = make_case(stages=["first_review", "joint_review", "decision"])
    assert workflow.apply(case, "start_review", CLERK, {}, TODAY).status == "joint_review"
