import datetime as dt

import pytest

from services.notification.channels import LogSmsGateway, SmsChannel, build_channels
from services.notification.delivery import Courier, backoff_seconds, new_delivery, timestamp

T0 = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.UTC)


def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert backoff_seconds(50) == 3600
    assert backoff_seconds(1, base=5, cap=20) == 5 and backoff_seconds(4, base=5, cap=20) == 20


def test_inbox_is_delivered_when_stored():
    assert new_delivery("inbox", T0)["status"] == "sent"
    record = new_delivery("sms", T0)
    assert record == {"status": "pending", "attempts": 0, "next_attempt_at": timestamp(T0), "last_error": None}


def test_a_message_stored_claimed_is_its_storers_first_attempt_until_the_first_back_off():
    record = new_delivery("sms", T0, claimed=True)
    assert record == {"status": "pending", "attempts": 1, "last_error": None,
                      "next_attempt_at": timestamp(T0 + dt.timedelta(seconds=30))}
    assert new_delivery("inbox", T0, claimed=True)["status"] == "sent"


class FakeStore:
    """The courier's view of the store, in memory."""

    def __init__(self, *messages):
        self.messages = {m["_id"]: m for m in messages}

    def claim(self, message_id, attempts, next_attempt_at):
        self.claims = getattr(self, "claims", 0) + 1
        record = self.messages[message_id]["delivery"]
        if record["attempts"] != attempts or record["status"] == "sent":
            return False
        record.update(attempts=attempts + 1, next_attempt_at=next_attempt_at)
        return True

    def mark_sent(self, message_id, sent_at):
        self.messages[message_id]["delivery"].update(status="sent", sent_at=sent_at, next_attempt_at=None)

    def mark_failed(self, message_id, error, retry_at):
        self.messages[message_id]["delivery"].update(status="failed", last_error=error, next_attempt_at=retry_at)

    def due(self, now, limit, statuses=("pending", "failed")):
        return [m for m in self.messages.values()
                if m["delivery"]["status"] in statuses and m["delivery"]["next_attempt_at"]
                and m["delivery"]["next_attempt_at"] <= now][:limit]


class FlakyChannel:
    def __init__(self, failures):
        self.failures, self.sent = failures, []

    def send(self, address, title, body):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.sent.append((address, body))


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


def message(channel="sms"):
    return {"_id": "m1", "channel": channel, "address": "13812345678", "title": "t", "body": "b",
            "delivery": new_delivery(channel, T0)}


def test_failures_are_retried_with_backoff_until_sent():
    store, channel, clock = FakeStore(message()), FlakyChannel(failures=2), Clock()
    courier = Courier(store, {"sms": channel}, max_attempts=5, clock=clock)
    assert courier.retry_due() == 1
    record = store.messages["m1"]["delivery"]
    assert record["status"] == "failed" and record["attempts"] == 1 and "gateway down" in record["last_error"]
    assert record["next_attempt_at"] == timestamp(T0 + dt.timedelta(seconds=30))
    assert courier.retry_due() == 0  # not due yet
    clock.now = T0 + dt.timedelta(seconds=30)
    courier.retry_due()
    assert record["attempts"] == 2 and record["next_attempt_at"] == timestamp(clock.now + dt.timedelta(seconds=60))
    clock.now += dt.timedelta(seconds=60)
    courier.retry_due()
    assert record["status"] == "sent" and record["attempts"] == 3 and channel.sent == [("13812345678", "b")]
    clock.now += dt.timedelta(days=1)
    assert courier.retry_due() == 0


def test_after_max_attempts_the_message_is_kept_failed_without_next_attempt():
    store, clock = FakeStore(message()), Clock()
    courier = Courier(store, {"sms": FlakyChannel(failures=10)}, max_attempts=2, clock=clock)
    courier.retry_due()
    clock.now += dt.timedelta(hours=1)
    courier.retry_due()
    record = store.messages["m1"]["delivery"]
    assert record["status"] == "failed" and record["attempts"] == 2 and record["next_attempt_at"] is None
    assert courier.deliver(store.messages["m1"]) == "failed"
    assert record["attempts"] == 2


def test_a_missing_channel_is_a_failed_attempt_not_a_crash():
    store = FakeStore(message("email"))
    assert Courier(store, {}, max_attempts=3, clock=Clock()).deliver(store.messages["m1"]) == "failed"


def test_a_message_claimed_elsewhere_is_left_alone():
    stale = message()
    store = FakeStore({**message(), "delivery": {**stale["delivery"], "attempts": 1}})
    assert Courier(store, {"sms": FlakyChannel(0)}, 3, clock=Clock()).deliver(stale) is None


def claimed_message():
    return {**message(), "delivery": new_delivery("sms", T0, claimed=True)}


def test_a_message_stored_claimed_is_sent_without_claiming_it_again():
    store, channel, clock = FakeStore(claimed_message()), FlakyChannel(failures=0), Clock()
    assert Courier(store, {"sms": channel}, 5, clock=clock).send_claimed(store.messages["m1"]) == "sent"
    record = store.messages["m1"]["delivery"]
    assert (record["status"], record["attempts"], getattr(store, "claims", 0)) == ("sent", 1, 0)
    assert channel.sent == [("13812345678", "b")]


def test_a_claim_run_out_is_left_to_the_retries_which_claim_the_next_attempt():
    store, channel, clock = FakeStore(claimed_message()), FlakyChannel(failures=0), Clock()
    courier = Courier(store, {"sms": channel}, 5, clock=clock)
    clock.now = T0 + dt.timedelta(seconds=30)   # the storing process died, or its loop fell behind
    assert courier.send_claimed(store.messages["m1"]) is None and channel.sent == []
    assert courier.retry_due() == 1
    record = store.messages["m1"]["delivery"]
    assert (record["status"], record["attempts"], store.claims) == ("sent", 2, 1)


def test_a_failed_first_attempt_of_a_claimed_message_is_retried_after_the_back_off():
    store, channel, clock = FakeStore(claimed_message()), FlakyChannel(failures=1), Clock()
    courier = Courier(store, {"sms": channel}, 5, clock=clock)
    assert courier.send_claimed(store.messages["m1"]) == "failed"
    record = store.messages["m1"]["delivery"]
    assert record["next_attempt_at"] == timestamp(T0 + dt.timedelta(seconds=30)) and courier.retry_due() == 0
    clock.now = T0 + dt.timedelta(seconds=30)
    courier.retry_due()
    assert (record["status"], record["attempts"]) == ("sent", 2)


def test_log_sms_gateway_masks_the_phone():
    gateway = LogSmsGateway()
    SmsChannel(gateway).send("13812345678", "title", "正文")
    assert gateway.sent == [("138****5678", "正文")]


@pytest.mark.parametrize("host,expected", [("", {"inbox", "sms"}), ("smtp.local", {"inbox", "sms", "email"})])
def test_email_channel_only_with_smtp_host(host, expected):
    assert set(build_channels(host, 25, "noreply@example.cn")) == expected


def test_an_address_is_resolved_at_send_time_and_a_failed_look_up_is_retried():
    unaddressed = {**message(), "address": None, "case_no": "C1"}
    store, channel, clock = FakeStore(unaddressed), FlakyChannel(failures=0), Clock()
    lookups = [RuntimeError("intake did not answer"), "13812345678"]

    def resolve(msg):
        answer = lookups.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    courier = Courier(store, {"sms": channel}, max_attempts=5, clock=clock, resolve=resolve)
    assert courier.retry_due() == 1
    record = store.messages["m1"]["delivery"]
    assert record["status"] == "failed" and "intake did not answer" in record["last_error"] and channel.sent == []
    clock.now = T0 + dt.timedelta(seconds=30)
    assert courier.retry_due() == 1
    assert channel.sent == [("13812345678", "b")]
    assert store.messages["m1"]["address"] is None  # the phone is never stored here


def test_no_address_on_record_is_a_failed_attempt():
    store = FakeStore({**message(), "address": None, "case_no": "C1"})
    courier = Courier(store, {"sms": FlakyChannel(0)}, max_attempts=1, clock=Clock(), resolve=lambda msg: None)
    assert courier.retry_due() == 1
    record = store.messages["m1"]["delivery"]
    assert record["status"] == "failed" and record["next_attempt_at"] is None
