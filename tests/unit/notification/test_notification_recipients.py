import pytest

from services.common import contracts
from services.notification.recipients import (
    SUPERVISORS,
    Delivery,
    contact_from,
    department_staff,
    event_contact,
    plan,
    uses_contact,
)
from services.notification.webhooks import may_reach_a_client

ALL = frozenset({"inbox", "sms", "email"})


def evt(event_type, **fields):
    return {"event_id": "e1", "event_type": event_type, "case_no": "C1", "department": "health", **fields}


def test_applicant_gets_inbox_by_username_and_an_sms_addressed_when_sent():
    assert plan(evt(contracts.APPLICATION_ACCEPTED, owner="zhangsan"), None, ALL) == [
        Delivery("zhangsan", "applicant", "inbox"), Delivery("zhangsan", "applicant", "sms", None)
    ]
    assert plan(evt(contracts.APPLICATION_ACCEPTED, owner="zhangsan"), None, frozenset({"inbox"})) == [
        Delivery("zhangsan", "applicant", "inbox")
    ]


def test_no_inbox_without_owner_but_sms_still_goes():
    deliveries = plan(evt(contracts.CASE_DECIDED, owner=None), {"phone": "13812345678"}, ALL)
    assert deliveries == [Delivery("case:C1:applicant", "applicant", "sms", "13812345678")]


def test_email_only_when_the_channel_is_configured():
    contact = {"email": "a@example.com"}
    with_email = plan(evt(contracts.CASE_DECIDED, owner="u"), contact, ALL)
    assert Delivery("u", "applicant", "email", "a@example.com") in with_email
    without = plan(evt(contracts.CASE_DECIDED, owner="u"), contact, frozenset({"inbox", "sms"}))
    assert [d.channel for d in without] == ["inbox", "sms"]


def test_bad_rating_goes_to_supervisors_and_department_staff():
    deliveries = plan(evt(contracts.RATING_SUBMITTED, bad=True, owner="u"), None, ALL)
    assert deliveries == [Delivery(SUPERVISORS, "supervisor", "inbox"),
                          Delivery(department_staff("health"), "staff", "inbox")]
    assert department_staff("health") == "dept:health:staff"


def test_good_rating_notifies_nobody():
    assert plan(evt(contracts.RATING_SUBMITTED, bad=False, owner="u"), None, ALL) == []


def test_complaint_without_department_goes_to_supervisors():
    assert plan(evt(contracts.COMPLAINT_RECEIVED, department=None), None, ALL) == [
        Delivery(SUPERVISORS, "supervisor", "inbox")
    ]


def test_contact_keeps_only_usable_addresses():
    assert contact_from({"applicant": {"phone": "138****5678", "email": "nope"}}) == {"phone": None, "email": None}
    assert contact_from({"applicant": {"phone": "13812345678", "email": "a@b.cn"}}) == {
        "phone": "13812345678", "email": "a@b.cn"}
    assert contact_from({}) == {"phone": None, "email": None}


def test_an_event_carrying_the_applicant_gives_the_contact_to_use():
    accepted = {"event_type": contracts.APPLICATION_ACCEPTED,
                "applicant": {"name": "张三", "phone": "138****5678", "email": "a@b.cn"}}
    assert event_contact(accepted) == {"phone": None, "email": "a@b.cn"}
    assert event_contact({**accepted, "applicant": {"name": "张三"}}) == {"phone": None, "email": None}  # none now
    assert event_contact(evt(contracts.CASE_DECIDED, owner="u")) is None  # the stored contact is read


NOTIFIED = sorted({event_type for service, event_type in contracts.SUBSCRIPTIONS if service == "notification"})


@pytest.mark.parametrize("event_type", NOTIFIED)
@pytest.mark.parametrize("action", [None, "pause_clock", "extend", "approve"])
@pytest.mark.parametrize("owner", [None, "u"])
def test_the_contact_is_read_whenever_a_plan_could_use_it(event_type, action, owner):
    """`uses_contact` may skip the stored contact only where no plan addresses the applicant by SMS or email."""
    event = evt(event_type, action=action, owner=owner, bad=True, submitted_by="u")
    contact = {"phone": "13812345678", "email": "a@example.com"}
    addressed = [d for d in plan(event, contact, ALL) if d.audience == "applicant" and d.channel != "inbox"]
    assert uses_contact(event) == bool(addressed), (event_type, action)


def test_only_provincial_cases_are_looked_up_for_webhooks():
    assert may_reach_a_client(evt(contracts.CASE_DECIDED, channel="province"))
    assert may_reach_a_client(evt(contracts.CASE_DECIDED))  # an event without its channel: looked up
    assert not may_reach_a_client(evt(contracts.CASE_DECIDED, channel="window"))
    assert not may_reach_a_client(evt(contracts.CASE_DECIDED, channel="online"))
    assert not may_reach_a_client(evt(contracts.SUPERVISION_ALERT, channel="province"))  # not a webhook event
