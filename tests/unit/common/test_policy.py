"""The one authorisation policy: roles × actions × scope × the letter of authority in force."""
import datetime as dt

import pytest

from services.common import policy

TODAY = dt.date(2026, 3, 10)
ITEM = "HEALTH-PUBLIC-PLACE-NEW"
CASE = {"department": "health", "item_code": ITEM, "status": "in_review"}
A = {"username": "chief_a", "role": "chief_rep", "department": "health"}
B = {"username": "chief_b", "role": "chief_rep", "department": "health"}
CLERK = {"username": "clerk1", "role": "clerk", "department": "health"}
CLERK2 = {"username": "clerk2", "role": "clerk", "department": "health"}
REVIEWER = {"username": "rev", "role": "reviewer", "department": "health"}
DEPT_ADMIN = {"username": "health_admin", "role": "department_admin", "department": "health"}
CENTRE_ADMIN = {"username": "admin", "role": "centre_admin", "department": None}
SUPERVISOR = {"username": "sup", "role": "supervisor", "department": None}


def letter(**overrides):
    base = {"id": "L1", "department": "health", "kind": "chief_rep", "a_account": "chief_a", "b_account": "chief_b",
            "items": [{"item_code": ITEM, "actions": ["review", "decide", "issue", "verify"]}],
            "valid_from": "2026-01-01", "valid_until": "2027-12-31", "status": "active"}
    return {**base, **overrides}


def authority(*letters, away=()):
    return {"letters": list(letters), "away": list(away)}


def test_b_acts_under_a_letter_in_force():
    assert policy.judge(B, "approve", CASE, authority(letter()), TODAY)
    assert policy.judge(B, "issue_certificate", {**CASE, "status": "approved"}, authority(letter()), TODAY)


def test_a_does_not_act_while_b_is_present_and_that_is_a_violation():
    verdict = policy.judge(A, "approve", CASE, authority(letter()), TODAY)
    assert not verdict and verdict.violation and "B角" in verdict.reason


def test_b_away_hands_authority_to_a_and_b_may_not_act():
    away = authority(letter(), away=["chief_b"])
    assert policy.judge(A, "approve", CASE, away, TODAY)
    refused = policy.judge(B, "approve", CASE, away, TODAY)
    assert not refused and "外出" in refused.reason
    assert policy.acting_holder(letter(), ["chief_a", "chief_b"]) is None


@pytest.mark.parametrize("changes, why", [
    ({"valid_until": "2026-03-09"}, "expired"),
    ({"valid_from": "2026-03-11"}, "not yet valid"),
    ({"status": "revoked"}, "revoked"),
    ({"department": "market"}, "another department's letter"),
    ({"items": [{"item_code": "HEALTH-WATER-NEW", "actions": ["decide"]}]}, "another item"),
    ({"items": [{"item_code": ITEM, "actions": ["review"]}]}, "the action not delegated"),
    ({"kind": "post"}, "a receiving post, not a chief representative letter"),
])
def test_outside_the_letter_in_force_is_a_recorded_violation(changes, why):
    verdict = policy.judge(B, "approve", CASE, authority(letter(**changes)), TODAY)
    assert not verdict and verdict.violation, why
    assert "授权" in verdict.reason


def test_a_letter_is_in_force_on_its_first_and_last_day():
    assert policy.judge(B, "approve", CASE, authority(letter(valid_from="2026-03-10")), TODAY)
    assert policy.judge(B, "approve", CASE, authority(letter(valid_until="2026-03-10")), TODAY)


@pytest.mark.parametrize("actor", [CLERK, REVIEWER])
def test_window_staff_may_not_decide(actor):
    verdict = policy.judge(actor, "approve", CASE, authority(letter()), TODAY)
    assert not verdict and verdict.violation


@pytest.mark.parametrize("action", ["approve", "deny", "issue_certificate", "start_review", "record_inspection"])
def test_the_centre_admin_is_not_a_decision_maker(action):
    verdict = policy.judge(CENTRE_ADMIN, action, CASE, authority(letter()), TODAY)
    assert not verdict and "中心管理员" in verdict.reason and not verdict.violation


@pytest.mark.parametrize("actor", [CLERK, REVIEWER, B])
@pytest.mark.parametrize("action", sorted(policy.WINDOW_WORK))
def test_window_work_by_the_department_staff(actor, action):
    assert policy.judge(actor, action, CASE, authority(), TODAY)


@pytest.mark.parametrize("action", sorted(policy.WINDOW_WORK | policy.DELEGATED))
def test_staff_of_another_department_may_not_act(action):
    verdict = policy.judge({**B, "department": "market"}, action, CASE, authority(letter()), TODAY)
    assert not verdict


def test_joint_departments_staff_may_sign_only():
    joint = {**CASE, "status": "joint_review", "joint_departments": ["health", "market"]}
    market = {"username": "m", "role": "clerk", "department": "market"}
    assert policy.judge(market, "sign_joint", joint, authority(), TODAY)
    assert not policy.judge(market, "start_review", joint, authority(), TODAY)


@pytest.mark.parametrize("role", ["applicant", "api_client", "supervisor", None])
@pytest.mark.parametrize("action", sorted(set(policy.CASE_ACTIONS) - policy.OVERSIGHT_ACTIONS))
def test_other_roles_may_not_act(role, action):
    assert not policy.judge({"username": "x", "role": role, "department": "health"}, action, CASE, authority(), TODAY)


def test_only_the_department_admin_extends_and_only_the_centre_marks_urgent():
    assert policy.judge(DEPT_ADMIN, "extend", CASE, authority(), TODAY)
    assert not policy.judge(B, "extend", CASE, authority(letter()), TODAY)
    assert not policy.judge({**DEPT_ADMIN, "department": "market"}, "extend", CASE, authority(), TODAY)
    assert policy.judge(SUPERVISOR, "mark_urgent", CASE, authority(), TODAY)
    assert policy.judge(CENTRE_ADMIN, "mark_urgent", CASE, authority(), TODAY)
    assert not policy.judge(B, "mark_urgent", CASE, authority(letter()), TODAY)


def test_reserved_procedures_route_the_decision_to_the_department():
    referred = {**CASE, "referred": {"procedure": "hearing"}}
    refused = policy.judge(B, "approve", referred, authority(letter()), TODAY)
    assert not refused and "听证" in refused.reason
    assert policy.judge(DEPT_ADMIN, "approve", referred, authority(), TODAY)
    assert not policy.judge(DEPT_ADMIN, "approve", CASE, authority(), TODAY)


def test_an_ab_post_letter_keeps_receiving_to_the_acting_clerk():
    case = {"department": "health", "item_code": ITEM, "status": "pre_review"}
    post = letter(kind="post", a_account="clerk1", b_account="clerk2",
                  items=[{"item_code": ITEM, "actions": ["accept"]}])
    assert policy.judge(CLERK, "accept", case, authority(), TODAY)      # no post letter: any window clerk
    assert policy.judge(CLERK2, "accept", case, authority(post), TODAY)
    refused = policy.judge(CLERK, "accept", case, authority(post), TODAY)
    assert not refused and refused.violation
    assert policy.judge(CLERK, "accept", case, authority(post, away=["clerk2"]), TODAY)
    assert not policy.judge(DEPT_ADMIN, "accept", case, authority(), TODAY)


def test_allowed_actions_are_the_legal_ones_the_actor_may_take():
    legal = ["approve", "deny", "pause_clock", "extend", "mark_urgent"]
    assert policy.allowed_actions(B, CASE, legal, authority(letter()), TODAY) == ["approve", "deny", "pause_clock"]
    assert policy.allowed_actions(CLERK, CASE, legal, authority(letter()), TODAY) == ["pause_clock"]
    assert policy.allowed_actions(DEPT_ADMIN, CASE, legal, authority(), TODAY) == ["extend"]
    assert policy.allowed_actions(SUPERVISOR, CASE, legal, authority(), TODAY) == ["mark_urgent"]


def test_letter_actions_by_code_chinese_name_or_workflow_action():
    assert policy.letter_action("审批") == "decide" == policy.letter_action("approve") == policy.letter_action("decide")
    assert policy.letter_action("现场检查") == "inspect"
    assert policy.letter_action("teleport") is None
    assert set(policy.WORKFLOW_TO_LETTER.values()) - {None} == set(policy.LETTER_ACTIONS)


def test_who_sees_what():
    case = {"department": "health", "owner": "zhangsan", "submitted_by": "province",
            "joint": {"departments": ["health", "market"]}}
    assert policy.can_see_case({"username": "zhangsan", "role": "applicant"}, case)
    assert not policy.can_see_case({"username": "lisi", "role": "applicant"}, case)
    assert policy.can_see_case({"username": "province", "role": "api_client"}, case)
    assert policy.can_see_case({"username": "m", "role": "clerk", "department": "market"}, case)
    assert not policy.can_see_case({"username": "t", "role": "clerk", "department": "tax"}, case)
    assert policy.can_see_case(SUPERVISOR, case)
    assert policy.case_scope({"username": "zhangsan", "role": "applicant"}) == {"owner": "zhangsan"}
    assert policy.case_scope({"username": "province", "role": "api_client"}) == {"submitted_by": "province"}
    assert policy.case_scope(CLERK) == {"department": "health"} and policy.case_scope(SUPERVISOR) == {}


def test_catalogue_letters_away_and_ratings():
    assert policy.may_edit_item(DEPT_ADMIN, "health") and not policy.may_edit_item(DEPT_ADMIN, "market")
    assert policy.may_edit_item(CENTRE_ADMIN, "market") and not policy.may_edit_item(B, "health")
    assert policy.may_manage_delegations(DEPT_ADMIN, "health") and not policy.may_manage_delegations(CENTRE_ADMIN,
                                                                                                     "health")
    account = {"username": "chief_b", "department": "health"}
    assert policy.may_mark_away(B, account) and policy.may_mark_away(DEPT_ADMIN, account)
    assert policy.may_mark_away(CENTRE_ADMIN, account) and not policy.may_mark_away(CLERK, account)
    assert policy.may_rate({"username": "z", "role": "applicant"}) and not policy.may_rate(CLERK)
    assert not policy.may_rate(SUPERVISOR)


@pytest.mark.parametrize("role, channel, allowed", [
    ("applicant", "online", True), ("applicant", "window", False), ("applicant", "province", False),
    ("clerk", "window", True), ("clerk", "online", False), ("clerk", "province", False),
    ("api_client", "province", True), ("api_client", "window", False), ("api_client", "online", False),
])
def test_each_role_files_on_its_own_channel_only(role, channel, allowed):
    reason = policy.channel_refusal(role, channel)
    assert (reason is None) is allowed
    if not allowed:
        assert channel in reason and role in reason


@pytest.mark.parametrize("channel", ["pigeon", None, ["window"], {"a": 1}])
def test_an_invalid_channel_is_left_to_intake_to_name(channel):
    assert policy.channel_refusal("applicant", channel) is None
