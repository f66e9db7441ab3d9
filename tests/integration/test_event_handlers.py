"""Event handlers on a real broker: retried with back-off, poison events dead-lettered."""
import time

from kombu import Connection
from nameko.standalone.events import event_dispatcher
from polling import eventually

from services.common import contracts
from services.common.handlers import DEAD_LETTER_QUEUE, dead_letter_queue, handle, retry_delay

CALLS = []


class FlakyEvaluation:
    name = contracts.Evaluation.SERVICE

    @handle(contracts.CASE_CLOSED)
    def on_case_closed(self, payload):
        CALLS.append(payload["case_no"])
        if payload["case_no"] == "POISON" or CALLS.count(payload["case_no"]) < 2:
            raise RuntimeError("boom")


def closed(case_no):
    fields = {name: "x" for name in contracts.EVENT_FIELDS[contracts.CASE_CLOSED]}
    return contracts.event(contracts.CASE_CLOSED, **{**fields, "case_no": case_no})


wait_until = eventually


def dead_letters(config):
    with Connection(config["AMQP_URI"]) as connection:
        queue = dead_letter_queue().bind(connection.default_channel)
        messages = []
        while (message := queue.get(no_ack=True)) is not None:
            messages.append(message.decode())
        return messages


def test_retry_delays_grow_and_are_capped():
    assert [retry_delay(n, 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert retry_delay(20, 1.0) == 60.0


def test_failed_event_is_retried_then_handled(container_factory, service_config):
    CALLS.clear()
    config = {**service_config, "EVENT_RETRY_BASE_SECONDS": 0.05}
    container_factory(FlakyEvaluation, config).start()
    event_dispatcher(config)(contracts.Approval.SERVICE, contracts.CASE_CLOSED, closed("FLAKY"))
    assert wait_until(lambda: CALLS.count("FLAKY") == 2)
    time.sleep(0.5)
    assert CALLS.count("FLAKY") == 2
    assert dead_letters(config) == []


def test_poison_event_goes_to_the_dead_letter_queue(container_factory, service_config):
    CALLS.clear()
    config = {**service_config, "EVENT_RETRY_BASE_SECONDS": 0.05, "EVENT_MAX_ATTEMPTS": 3}
    container_factory(FlakyEvaluation, config).start()
    event_dispatcher(config)(contracts.Approval.SERVICE, contracts.CASE_CLOSED, closed("POISON"))
    found = []
    assert wait_until(lambda: found.extend(dead_letters(config)) or found)
    assert CALLS.count("POISON") == 3
    (record,) = found
    assert record["event"]["case_no"] == "POISON"
    assert record["attempts"] == 3 and "boom" in record["error"]
    assert record["queue"].startswith("evt-approval-case_closed--evaluation")
    assert DEAD_LETTER_QUEUE == "window.dead-letter"
