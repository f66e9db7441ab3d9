"""Evaluation service on a real broker and database: events move the metrics,
ratings and complaints are checked, stored and announced."""
from types import SimpleNamespace

import pytest
from kombu import Connection
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from services.common import contracts
from services.common.errors import DomainError
from services.common.mongo import service_database
from services.common.topology import event_queue
from services.evaluation.service import EvaluationService

CASE = {"case_no": "411400-HEALTH-20250303-0001", "item_code": "HEALTH-PUBLIC-PLACE-NEW",
        "item_name": "公共场所卫生许可（新办）", "department": "health", "owner": "zhangsan",
        "submitted_by": "zhangsan", "channel": "window"}
OWNER = {"username": "zhangsan", "role": "applicant", "department": None, "display_name": "张三"}


def received(status="pre_review", **case):
    """A receipt whose acceptance, if any, comes later (an online application waits for pre-review)."""
    return contracts.event(contracts.APPLICATION_RECEIVED, **{**CASE, **case},
                           received_at="2025-03-03T09:00:00+08:00", status=status)


def accepted(**case):
    return contracts.event(
        contracts.APPLICATION_ACCEPTED, **{**CASE, **case}, received_at="2025-03-03T09:00:00+08:00",
        accepted_at="2025-03-03T09:05:00+08:00", accepted_on="2025-03-03", item={},
        deadlines={"promised": "2025-03-24", "statutory": "2025-03-31"}, applicant={}, first_contact=None,
        history=[], notice={},
    )


def decided(result="approved", on_time=True, early=True, days=10, **case):
    return contracts.event(
        contracts.CASE_DECIDED, **{**CASE, **case}, result=result, reason=None, decided_on="2025-03-17",
        accepted_on="2025-03-03", deadlines={"promised": "2025-03-24", "statutory": "2025-03-31"},
        used_working_days=days, on_time=on_time, early=early, decided_by="lisi",
    )


@pytest.fixture
def evaluation(container_factory, service_config):
    container = container_factory(EvaluationService, service_config)
    container.start()

    def publish(*events):
        dispatch = event_dispatcher(service_config)
        for event in events:
            with entrypoint_waiter(container, contracts.handler_name(event["event_type"]), timeout=20):
                dispatch(contracts.EVENT_SOURCE[event["event_type"]], event["event_type"], event)

    with ServiceRpcProxy("evaluation", service_config) as rpc:
        yield publish, rpc


def drain(config, event_type):
    bodies = []
    with Connection(config["AMQP_URI"]) as connection:
        queue = event_queue("notification", event_type).bind(connection.default_channel)
        while (message := queue.get(no_ack=True)) is not None:
            bodies.append(message.decode())
    return bodies


def remote_error(call):
    """The domain error a remote call raised (registered classes arrive as themselves)."""
    with pytest.raises(DomainError) as error:
        call()
    return SimpleNamespace(exc_type=type(error.value).__name__, value=repr(error.value.args))


def test_events_move_the_metrics_and_count_once(evaluation, service_config):
    publish, rpc = evaluation
    assert rpc.ping() == "pong"
    assert rpc.metrics()["received"] == 0
    first = accepted()
    publish(received(), first, first)
    metrics = rpc.metrics()
    assert (metrics["received"], metrics["accepted"], metrics["completed"]) == (1, 1, 0)
    assert metrics["on_time_rate"] is None
    publish(received(case_no="C2"), accepted(case_no="C2"), decided(case_no="C2", on_time=False, early=False,
                                                                     days=25))
    decision = decided()
    publish(decision, decision)
    metrics = rpc.metrics(department="health")
    assert (metrics["received"], metrics["accepted"], metrics["completed"]) == (2, 2, 2)
    assert metrics["on_time_rate"] == 0.5 and metrics["early_rate"] == 0.5 and metrics["avg_working_days"] == 17.5
    assert metrics["department"] == "health" and metrics["from"] is None
    assert rpc.metrics(department="market")["received"] == 0
    assert rpc.metrics(date_from="2025-03-04")["received"] == 0
    assert rpc.metrics(date_from="2025-03-03", date_to="2025-03-03")["received"] == 2
    facts = service_database("evaluation", service_config).case_facts.find_one({"_id": CASE["case_no"]})
    assert len(facts["events"]) == len(set(facts["events"])) == 3  # received, accepted, decided: once each
    assert {first["event_id"], decision["event_id"]} <= set(facts["events"])
    assert facts["result"] == "approved" and facts["received_on"] == "2025-03-03"


def test_metrics_break_the_volumes_down_by_item(evaluation):
    publish, rpc = evaluation
    water = {"case_no": "C3", "item_code": "HEALTH-WATER-NEW"}
    publish(received(), accepted(), received(case_no="C2"), received(**water), accepted(**water), decided(**water))
    by_item = rpc.metrics(by="item_code")["by_item"]
    assert by_item == {"HEALTH-PUBLIC-PLACE-NEW": {"received": 2, "accepted": 1, "completed": 0},
                       "HEALTH-WATER-NEW": {"received": 1, "accepted": 1, "completed": 1}}
    whole_month = rpc.metrics(department="health", by="item_code", period="2025-03")["by_item"]
    assert whole_month == by_item  # the monthly roll-ups agree with the day counters
    assert rpc.metrics(department="market", by="item_code")["by_item"] == {}
    assert "by_item" not in rpc.metrics()
    error = remote_error(lambda: rpc.metrics(by="staff"))
    assert error.exc_type == "InvalidInput" and "'by'" in error.value


def test_a_receipt_accepted_in_the_same_write_is_counted_through_its_acceptance(evaluation, service_config):
    """A complete window submission: intake stores and publishes application_received (status accepted) and
    application_accepted together; evaluation records the acceptance alone, and counts both."""
    publish, rpc = evaluation
    receipt, acceptance = received(status="accepted"), accepted()
    publish(receipt, acceptance, receipt)
    metrics = rpc.metrics()
    assert (metrics["received"], metrics["accepted"]) == (1, 1)
    facts = service_database("evaluation", service_config).case_facts.find_one({"_id": CASE["case_no"]})
    assert facts["events"] == [acceptance["event_id"]] and facts["received_on"] == "2025-03-03"


def test_refusals_count(evaluation):
    publish, rpc = evaluation
    refusal = contracts.event(contracts.APPLICATION_REFUSED, **CASE, reason="不属于本部门职权", notice={},
                              actor="clerk1")
    publish(received(), refusal, refusal)
    metrics = rpc.metrics()
    assert (metrics["received"], metrics["refused"], metrics["accepted"]) == (1, 1, 0)
    assert rpc.metrics(staff="clerk1")["refused"] == 1  # the clerk who refused is credited


def test_bad_period_names_the_fields(evaluation):
    _, rpc = evaluation
    error = remote_error(lambda: rpc.metrics(date_from="2025/03/01", date_to="soon"))
    assert error.exc_type == "InvalidInput"
    assert "'from'" in error.value and "'to'" in error.value


def test_rating_rules(evaluation, service_config):
    publish, rpc = evaluation
    publish(received(), accepted())
    assert remote_error(lambda: rpc.rate(CASE["case_no"], OWNER, 5)).exc_type == "Conflict"
    assert remote_error(lambda: rpc.rate("NOPE", OWNER, 5)).exc_type == "NotFound"
    publish(decided())
    clerk = {**OWNER, "role": "clerk"}
    assert remote_error(lambda: rpc.rate(CASE["case_no"], clerk, 5)).exc_type == "Forbidden"
    stranger = {**OWNER, "username": "lisi"}
    assert remote_error(lambda: rpc.rate(CASE["case_no"], stranger, 5)).exc_type == "Forbidden"
    missing_reason = remote_error(lambda: rpc.rate(CASE["case_no"], OWNER, 2))
    assert missing_reason.exc_type == "InvalidInput" and "'comment'" in missing_reason.value

    rating = rpc.rate(CASE["case_no"], OWNER, 4, channel="window")
    assert {k: rating[k] for k in ("case_no", "level", "label", "bad", "comment", "channel")} == {
        "case_no": CASE["case_no"], "level": 4, "label": "满意", "bad": False, "comment": None, "channel": "window"}
    assert rating["id"] and rating["created_at"] and "follow_up" not in rating
    assert remote_error(lambda: rpc.rate(CASE["case_no"], OWNER, 5)).exc_type == "Conflict"

    metrics = rpc.metrics()
    assert metrics["ratings"]["count"] == 1 and metrics["ratings"]["by_level"]["4"] == 1
    assert metrics["satisfaction_rate"] == 1.0
    [announced] = drain(service_config, contracts.RATING_SUBMITTED)
    assert (announced["case_no"], announced["level"], announced["bad"], announced["owner"]) == (
        CASE["case_no"], 4, False, "zhangsan")


def test_bad_rating_opens_a_follow_up_and_reaches_notification(evaluation, service_config):
    publish, rpc = evaluation
    publish(received(), accepted(), decided())
    rating = rpc.rate(CASE["case_no"], OWNER, 1, comment="等了很久，电话 13812345678")
    assert rating["bad"] is True and rating["label"] == "非常不满意"
    assert rating["follow_up"]["status"] == "open" and rating["follow_up"]["rectify_by"] > rating["created_at"][:10]
    stored = service_database("evaluation", service_config).ratings.find_one({"_id": rating["id"]})
    # the follow-up is part of the rating's own write
    assert stored["case_no"] == CASE["case_no"]
    assert stored["follow_up"]["rectify_by"] == rating["follow_up"]["rectify_by"]
    [announced] = drain(service_config, contracts.RATING_SUBMITTED)
    assert announced["bad"] is True and "13812345678" not in announced["comment"]
    assert rpc.metrics()["bad_ratings"] == 1


def test_complaints(evaluation, service_config):
    _, rpc = evaluation
    error = remote_error(lambda: rpc.create_complaint({"department": "health"}, None))
    assert error.exc_type == "InvalidInput"
    assert all(f"'{field}'" in error.value for field in ("subject", "text", "contact"))

    complaint = rpc.create_complaint(
        {"case_no": CASE["case_no"], "department": "health", "subject": "窗口推诿", "text": "三次往返未办成",
         "contact": "13812345678"}, OWNER)
    assert complaint["status"] == "received" and complaint["contact"] == "138****5678"
    assert rpc.get_complaint(complaint["id"]) == complaint
    assert remote_error(lambda: rpc.get_complaint("nope")).exc_type == "NotFound"
    [announced] = drain(service_config, contracts.COMPLAINT_RECEIVED)
    assert (announced["complaint_id"], announced["department"], announced["subject"]) == (
        complaint["id"], "health", "窗口推诿")
    assert rpc.metrics(department="health")["complaints"] == 1
    assert rpc.metrics(department="market")["complaints"] == 0
