"""Letters of authority (首席代表委托书): validation, history, renewal, revocation, the month's reminder."""
import datetime as dt

import pytest

from services.approval import delegations
from services.common.errors import Conflict, InvalidInput

TODAY = dt.date(2026, 3, 10)


def body(**overrides):
    base = {"department": "health", "a_account": "chief_a", "b_account": "chief_b",
            "items": [{"item_code": "HEALTH-PUBLIC-PLACE-NEW", "actions": ["审批", "approve", "issue", "现场检查"]}]}
    return {**base, **overrides}


def test_a_letter_defaults_to_two_years_from_today_and_normalises_actions():
    fields = delegations.validate_letter(body(), TODAY)
    assert fields["valid_from"] == "2026-03-10" and fields["valid_until"] == "2028-03-09"
    assert fields["items"] == [{"item_code": "HEALTH-PUBLIC-PLACE-NEW", "actions": ["decide", "issue", "inspect"]}]
    assert fields["kind"] == "chief_rep"


def test_every_bad_field_at_once():
    with pytest.raises(InvalidInput) as caught:
        delegations.validate_letter({"department": "", "a_account": "x", "b_account": "x", "kind": "boss",
                                     "items": [{"item_code": "A", "actions": ["fly"]}, {"actions": []}],
                                     "valid_from": "2026-05-01", "valid_until": "2026-04-01"}, TODAY)
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"department", "b_account", "kind", "items[0].actions[0]", "items[1].item_code",
                      "items[1].actions", "valid_until"}


def test_issue_renew_revoke_keep_the_history():
    letter = delegations.new_letter(delegations.validate_letter(body(), TODAY), "health_admin", "t1")
    assert letter["status"] == "active" and [h["action"] for h in letter["history"]] == ["issue"]
    with pytest.raises(InvalidInput):
        delegations.renewed(letter, "2027-01-01", "health_admin", "t2")   # not later than the current end
    renewed = {**letter, **delegations.renewed(letter, "2030-03-09", "health_admin", "t2")}
    assert renewed["valid_until"] == "2030-03-09"
    revoked = {**renewed, **delegations.revoked(renewed, "调岗", "health_admin", "t3")}
    assert revoked["status"] == "revoked" and [h["action"] for h in revoked["history"]] == ["issue", "renew", "revoke"]
    with pytest.raises(Conflict):
        delegations.revoked(revoked, None, "health_admin", "t4")
    with pytest.raises(Conflict):
        delegations.renewed(revoked, "2031-01-01", "health_admin", "t4")
    view = delegations.view(revoked, TODAY)
    assert view["id"] == letter["_id"] and view["in_force"] is False


def test_a_reminder_one_month_before_the_end_once_per_end_date():
    letter = delegations.new_letter(delegations.validate_letter(body(valid_until="2026-04-05"), TODAY), "a", "t")
    assert delegations.reminder_due(letter, TODAY)
    assert not delegations.reminder_due(letter, dt.date(2026, 3, 5))     # more than a month ahead
    assert not delegations.reminder_due({**letter, "reminded_for": "2026-04-05"}, TODAY)
    assert delegations.reminder_due({**letter, "reminded_for": "2026-01-01"}, TODAY)  # renewed since
    assert not delegations.reminder_due({**letter, "status": "revoked"}, TODAY)
