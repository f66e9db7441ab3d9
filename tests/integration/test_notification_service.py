"""Notification service on a real broker and database: events in, inbox and email out."""
import datetime as dt
import email
import email.policy
import time

import pytest
from aiosmtpd.controller import Controller
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from polling import eventually

from deploy.localstack import free_port
from services.common import contracts
from services.common.mongo import service_database
from services.notification.channels import build_channels
from services.notification.delivery import Courier, utcnow
from services.notification.service import ITSELF, NotificationService
from services.notification.store import NotificationStore

CASE_NO = "411400-HEALTH-20250303-0001"


def accepted_event(owner="zhangsan", email_address=None):
    applicant = {"type": "person", "name": "张*", "id_number": "110***********002X", "phone": "138****5678"}
    if email_address:
        applicant["email"] = email_address
    return contracts.event(
        contracts.APPLICATION_ACCEPTED, request_id="req-1",
        case_no=CASE_NO, item_code="HEALTH-PUBLIC-PLACE-NEW", item_name="公共场所卫生许可（新办）",
        department="health", owner=owner, submitted_by=owner, channel="window", received_at="2025-03-03T09:00:00+08:00",
        accepted_at="2025-03-03T09:05:00+08:00", accepted_on="2025-03-03", item={},
        deadlines={"promised": "2025-03-24", "statutory": "2025-03-31"}, applicant=applicant,
        first_contact=None, history=[], notice={},
    )


def publish(config, container, event):
    dispatch = event_dispatcher(config)
    with entrypoint_waiter(container, contracts.handler_name(event["event_type"]), timeout=20):
        dispatch(contracts.EVENT_SOURCE[event["event_type"]], event["event_type"], event)


@pytest.fixture
def notification(container_factory, service_config):
    def start(**extra):
        container = container_factory(NotificationService, {**service_config, **extra})
        container.start()
        return container
    return start


def test_acceptance_lands_in_the_owners_inbox(notification, service_config):
    container = notification()
    publish(service_config, container, accepted_event())
    with ServiceRpcProxy("notification", service_config) as rpc:
        inbox = rpc.list_inbox(["zhangsan"])
        assert [m["title"] for m in inbox] == ["受理通知：公共场所卫生许可（新办）"]
        message = inbox[0]
        assert message["event"] == contracts.APPLICATION_ACCEPTED and message["case_no"] == CASE_NO
        assert message["channel"] == "inbox" and message["read"] is False and "2025-03-24" in message["body"]
        assert rpc.list_inbox(["lisi"]) == []
        assert rpc.mark_read(["zhangsan"], message["id"])["read"] is True
        assert rpc.list_inbox("zhangsan")[0]["read"] is True


def test_the_inbox_pages_past_the_largest_page(notification, service_config):
    """A page is at most 200 messages, wherever it starts: a department's staff inbox grows past that."""
    container = notification()
    messages = service_database("notification", service_config).messages
    messages.insert_many([{"_id": f"m{i:03d}", "event_id": f"e{i}", "recipient": "dept:health:staff",
                           "channel": "inbox", "event": contracts.APPLICATION_ACCEPTED, "title": f"通知{i}",
                           "read": False,
                           "created_at": f"2026-12-01T00:{i // 60:02d}:{i % 60:02d}.000000+00:00"}
                          for i in range(230)])
    assert container.started
    with ServiceRpcProxy("notification", service_config) as rpc:
        first = rpc.list_inbox(["dept:health:staff"], limit=500)
        rest = rpc.list_inbox(["dept:health:staff"], limit=200, offset=200)
        tail = rpc.list_inbox(["dept:health:staff"], limit=10, offset=225)
    assert [m["id"] for m in first] == [f"m{i:03d}" for i in range(229, 29, -1)]   # newest first, 200
    assert [m["id"] for m in rest] == [f"m{i:03d}" for i in range(29, -1, -1)]
    assert [m["id"] for m in tail] == [f"m{i:03d}" for i in range(4, -1, -1)]


def test_the_same_event_twice_sends_once(notification, service_config):
    container = notification()
    event = accepted_event()
    publish(service_config, container, event)
    publish(service_config, container, event)
    with ServiceRpcProxy("notification", service_config) as rpc:
        assert len(rpc.list_inbox(["zhangsan"])) == 1
    messages = service_database("notification", service_config).messages
    assert sorted(m["channel"] for m in messages.find({"event_id": event["event_id"]})) == ["inbox", "sms"]


def test_only_messages_new_to_the_store_are_returned_for_sending(service_config):
    store = NotificationStore(service_database("notification", service_config))
    store.ensure_indexes()
    first = {"event_id": "E-1", "recipient": "zhangsan", "channel": "sms", "delivery": {}}
    assert [m["event_id"] for m in store.add_all([first])] == ["E-1"]
    again = store.add_all([first, {**first, "event_id": "E-2"}, {**first, "channel": "email"}])
    assert sorted((m["event_id"], m["channel"]) for m in again) == [("E-1", "email"), ("E-2", "sms")]
    assert store.add_all([]) == []


def test_no_inbox_without_an_owner(notification, service_config):
    container = notification()
    publish(service_config, container, accepted_event(owner=None))
    messages = service_database("notification", service_config).messages
    assert messages.count_documents({"channel": "inbox"}) == 0
    assert messages.find_one({"channel": "sms"})["recipient"] == f"case:{CASE_NO}:applicant"


def test_bad_rating_reaches_supervisors_and_department(notification, service_config):
    container = notification()
    event = contracts.event(
        contracts.RATING_SUBMITTED, case_no=CASE_NO, department="health", item_code="HEALTH-PUBLIC-PLACE-NEW",
        owner="zhangsan", level=1, bad=True, comment="等候太久", channel="web",
    )
    publish(service_config, container, event)
    with ServiceRpcProxy("notification", service_config) as rpc:
        assert [m["title"] for m in rpc.list_inbox(["role:supervisor"])] == [f"差评提醒：{CASE_NO}"]
        assert len(rpc.list_inbox(["dept:health:staff"])) == 1
        assert rpc.list_inbox(["zhangsan"]) == []


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


@pytest.fixture
def smtp_server():
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def test_email_goes_out_over_smtp(notification, service_config, smtp_server):
    mailbox, port = smtp_server
    container = notification(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
    event = accepted_event(email_address="zhangsan@example.cn")
    publish(service_config, container, event)
    publish(service_config, container, event)
    assert eventually(lambda: mailbox.messages)    # sent by the delivery loop
    time.sleep(1.5)                                # another tick: still one
    assert len(mailbox.messages) == 1
    recipients, message = mailbox.messages[0]
    assert recipients == ["zhangsan@example.cn"]
    assert message["Subject"] == "受理通知：公共场所卫生许可（新办）"
    assert CASE_NO in message.get_content()
    stored = service_database("notification", service_config).messages.find_one({"channel": "email"})
    assert stored["delivery"]["status"] == "sent" and stored["delivery"]["attempts"] == 1


def test_email_failure_is_kept_and_retried_until_sent(notification, service_config):
    port = free_port()  # nothing listens there yet
    container = notification(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
    publish(service_config, container, accepted_event(email_address="zhangsan@example.cn"))
    database = service_database("notification", service_config)
    failed = {"delivery.status": "failed"}
    assert eventually(lambda: database.messages.count_documents(failed) == 2, timeout=20)   # email, sms (no intake)
    delivery = database.messages.find_one({"channel": "email"})["delivery"]
    assert delivery["status"] == "failed" and delivery["attempts"] == 1
    assert delivery["last_error"] and delivery["next_attempt_at"]

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        store = NotificationStore(database)
        channels = build_channels("127.0.0.1", port, "noreply@example.cn")
        later = lambda: utcnow() + dt.timedelta(minutes=5)  # noqa: E731  past the first back-off
        def phone(message):
            return "13812345678"
        assert Courier(store, channels, max_attempts=8, resolve=phone).retry_due() == 0  # not due yet
        assert Courier(store, channels, max_attempts=8, clock=later, resolve=phone).retry_due() == 2  # email, sms
    finally:
        controller.stop()
    assert [rcpt for rcpt, _ in mailbox.messages] == [["zhangsan@example.cn"]]
    delivery = database.messages.find_one({"channel": "email"})["delivery"]
    assert delivery["status"] == "sent" and delivery["attempts"] == 2


class FakeIntake:
    """Intake as notification sees it: the applicant's contact for a case."""
    name = contracts.Intake.SERVICE

    @rpc
    def get_contact(self, case_no, actor=None):
        assert actor == contracts.service_actor(contracts.Notification.SERVICE)  # notification names itself
        return {"phone": "13812345678", "email": None}


def test_sms_address_comes_from_intake_at_send_time_and_is_never_stored(
        notification, service_config, container_factory, caplog):
    container = notification()
    publish(service_config, container, accepted_event())  # intake absent: the SMS waits for a retry
    messages = service_database("notification", service_config).messages
    waiting = eventually(lambda: messages.find_one({"channel": "sms", "delivery.status": "failed"}), timeout=15)
    assert waiting and waiting["delivery"]["next_attempt_at"]

    container_factory(FakeIntake, service_config).start()
    later = lambda: utcnow() + dt.timedelta(minutes=5)  # noqa: E731  past the first back-off
    store = NotificationStore(service_database("notification", service_config))
    with ServiceRpcProxy("intake", service_config) as intake:
        def phone(message):
            return intake.get_contact(message["case_no"], actor=ITSELF)["phone"]
        courier = Courier(store, build_channels("", 25, "x@example.cn"), 8, clock=later, resolve=phone)
        with caplog.at_level("INFO"):
            assert courier.retry_due() == 1
    sent = messages.find_one({"channel": "sms"})
    assert sent["delivery"]["status"] == "sent" and sent["address"] is None
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text


def test_sms_goes_out_when_the_event_arrives_if_intake_answers(notification, service_config, container_factory):
    container_factory(FakeIntake, service_config).start()
    container = notification()
    publish(service_config, container, accepted_event())   # the handler only stores the message
    messages = service_database("notification", service_config).messages
    sent = eventually(lambda: messages.find_one({"channel": "sms", "delivery.status": "sent"}))  # the loop sends
    assert sent and sent["delivery"]["attempts"] == 1 and sent["address"] is None

