"""The approval service on a real broker and database: cases, transitions, events, certificates, calendar."""
import datetime as dt
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy

from services.approval.service import ApprovalService, local_today
from services.common import contracts
from services.common.calendar import OfficialCalendar
from services.common.clock import Pause, WorkingDayClock
from services.common.errors import Conflict, DomainError, InvalidInput, NotFound
from services.common.topology import event_queue

CLERK = {"username": "clerk1", "role": "clerk", "department": "health", "display_name": "窗口甲"}
CHIEF = {"username": "chief1", "role": "chief_rep", "department": "health", "display_name": "首席代表"}
REQUEST_ID = "req-approval-test"
ADMIN = {"username": "admin", "role": "centre_admin", "department": None, "display_name": "管理员"}


def accepted_event(case_no=None, accepted_on=None, **item):
    snapshot = {"case_kind": "promised", "promised_days": 15, "statutory_days": 20, "stages": ["review", "decision"],
                "joint_departments": [], "higher_authority": None, "licence_valid_years": 4, **item}
    return contracts.event(
        contracts.APPLICATION_ACCEPTED, request_id="req-test",
        case_no=case_no or f"411400-HEALTH-{uuid.uuid4().hex[:8]}", item_code="HEALTH-PUBLIC-PLACE-NEW",
        item_name="公共场所卫生许可（新办）", department="health", owner="applicant1", submitted_by="applicant1",
        channel="window",
        received_at="2026-11-02T01:00:00+00:00", accepted_at="2026-11-02T01:00:00+00:00",
        accepted_on=(accepted_on or local_today()).isoformat(), item=snapshot, deadlines=None,
        applicant={"type": "enterprise", "name": "南湖宾馆有限公司", "credit_code": "91411400MA44XXXX1X",
                   "legal_representative": {"name": "张三", "id_number": "110101199003071234"},
                   "phone": "13812345678"},
        first_contact={"username": "clerk1", "display_name": "窗口甲"}, notice={"no": "受理-0001"},
        history=[{"at": "2026-11-02T01:00:00+00:00", "status": "accepted", "action": "accept",
                  "actor_role": "clerk"}],
    )


@pytest.fixture
def approval(container_factory, service_config):
    container_factory(ApprovalService, service_config).start()
    context = {"request_id": REQUEST_ID}
    with ServiceRpcProxy(contracts.Approval.SERVICE, service_config, context_data=context) as proxy:
        yield proxy


@pytest.fixture
def status_changes(service_config):
    """A queue of our own on approval's event exchange: case_status_changed has no subscriber yet."""
    queue = Queue(f"test-status-{uuid.uuid4().hex[:6]}", Exchange("approval.events", type="topic", durable=True),
                  routing_key=contracts.CASE_STATUS_CHANGED, auto_delete=False)
    with Connection(service_config["AMQP_URI"]) as connection:
        queue.bind(connection.default_channel).declare()
    return queue


def drain(config, queue, expect=None, timeout=10.0):
    """Every message on `queue`, waiting until at least `expect` arrived."""
    messages = []
    deadline = time.monotonic() + timeout
    with Connection(config["AMQP_URI"]) as connection:
        bound = queue.bind(connection.default_channel)
        while True:
            message = bound.get(no_ack=True)
            if message is not None:
                messages.append(message.decode())
                continue
            if expect is None or len(messages) >= expect or time.monotonic() > deadline:
                return messages
            time.sleep(0.1)


def expected_deadlines(accepted_on, promised, statutory, pauses=()):
    return WorkingDayClock(OfficialCalendar()).deadlines(accepted_on, promised, statutory, pauses, local_today())


def remote_error(call):
    """The name of the domain error a remote call raised."""
    with pytest.raises(DomainError) as caught:
        call()
    return type(caught.value).__name__


def test_ping(approval):
    assert approval.ping() == "pong"


def test_open_case_is_idempotent(approval):
    payload = accepted_event()
    first = approval.open_case(payload)
    assert first["status"] == "accepted" and first["case_no"] == payload["case_no"]
    assert first["deadlines"] == expected_deadlines(local_today(), 15, 20)
    assert first["clock"] == {"paused": False, "used_working_days": 0}
    assert first["applicant"]["legal_representative"]["id_number"] == "110***********1234"
    assert first["applicant"]["phone"] == "138****5678"
    assert first["history"][0]["action"] == "accept"
    again = approval.open_case({**payload, "event_id": "other", "item": {**payload["item"], "promised_days": 1},
                                "deadlines": {"promised": "2030-01-01", "statutory": "2030-01-01"}})
    assert again == first == approval.get_case(payload["case_no"])


def test_open_case_refuses_a_malformed_payload(approval):
    payload = accepted_event()
    payload["item"] = {"promised_days": "ten"}
    assert remote_error(lambda: approval.open_case(payload)) == "InvalidInput"


def test_the_accepted_event_opens_the_case(approval, service_config):
    payload = accepted_event()
    event_dispatcher(service_config)(contracts.Intake.SERVICE, contracts.APPLICATION_ACCEPTED, payload)
    deadline = time.monotonic() + 10
    while True:
        try:
            view = approval.get_case(payload["case_no"])
            break
        except NotFound:
            assert time.monotonic() < deadline, "the case was not opened from the event"
            time.sleep(0.1)
    assert view["status"] == "accepted"
    # the same event again changes nothing
    event_dispatcher(service_config)(contracts.Intake.SERVICE, contracts.APPLICATION_ACCEPTED, payload)
    time.sleep(0.5)
    assert approval.get_case(payload["case_no"]) == view


def test_get_case_of_an_unknown_case_is_not_found(approval):
    assert remote_error(lambda: approval.get_case("NOPE")) == "NotFound"


def test_full_path_to_a_delivered_certificate(approval, service_config, status_changes):
    payload = accepted_event()
    case_no = payload["case_no"]
    approval.open_case(payload)
    assert approval.transition(case_no, "start_review", CLERK)["status"] == "in_review"
    approved = approval.transition(case_no, "approve", CHIEF, {"comment": "符合条件"})
    assert approved["status"] == "approved"
    issued = approval.transition(case_no, "issue_certificate", CHIEF)
    assert issued["status"] == "certificate_issued"
    number = issued["certificate_no"]
    assert number.startswith(f"HEALTH-411400-{local_today().year}-")
    closed = approval.transition(case_no, "deliver", CLERK)
    assert closed["status"] == "closed" and closed["certificate_no"] == number
    assert [h["action"] for h in closed["history"]] == [
        "accept", "start_review", "approve", "issue_certificate", "deliver"]
    assert closed["history"][2] | {"at": None} == {"at": None, "status": "approved", "action": "approve",
                                                    "actor_role": "chief_rep", "comment": "符合条件"}

    changes = drain(service_config, status_changes, expect=4)
    assert [(e["previous_status"], e["status"], e["action"]) for e in changes] == [
        ("accepted", "in_review", "start_review"), ("in_review", "approved", "approve"),
        ("approved", "certificate_issued", "issue_certificate"), ("certificate_issued", "closed", "deliver")]
    for service in (contracts.Evaluation.SERVICE, contracts.Notification.SERVICE):
        (decided,) = drain(service_config, event_queue(service, contracts.CASE_DECIDED), expect=1)
        assert decided["case_no"] == case_no and decided["result"] == "approved"
        assert decided["decided_on"] == local_today().isoformat() and decided["decided_by"] == "chief1"
        assert decided["on_time"] is True and decided["early"] is True and decided["used_working_days"] == 0
        assert decided["owner"] == "applicant1" and decided["request_id"] == REQUEST_ID
    (cert_event,) = drain(service_config, event_queue(contracts.Notification.SERVICE, contracts.CERTIFICATE_ISSUED), 1)
    assert cert_event["certificate_no"] == number and cert_event["holder_name"] == "南湖宾馆有限公司"
    (closed_event,) = drain(service_config, event_queue(contracts.Evaluation.SERVICE, contracts.CASE_CLOSED), 1)
    assert closed_event["status"] == "closed" and closed_event["closed_on"] == local_today().isoformat()
    assert "110101199003071234" not in str([changes, cert_event, closed_event])

    certificate = approval.get_certificate(number)
    today = local_today()
    assert certificate.pop("history")[0]["action"] == "new"
    assert {k: v for k, v in certificate.items() if k not in ("licence_name", "department", "status_name")} == {
        "certificate_no": number, "item_code": "HEALTH-PUBLIC-PLACE-NEW", "item_name": "公共场所卫生许可（新办）",
        "holder_name": "南湖宾馆有限公司", "valid_from": today.isoformat(),
        "valid_until": (today.replace(year=today.year + 4) - dt.timedelta(days=1)).isoformat(),
        "status": "valid", "case_no": case_no,
    }


def test_certificate_numbers_count_up(approval):
    numbers = []
    for _ in range(2):
        payload = accepted_event()
        approval.open_case(payload)
        approval.transition(payload["case_no"], "start_review", CLERK)
        approval.transition(payload["case_no"], "approve", CHIEF)
        numbers.append(approval.transition(payload["case_no"], "issue_certificate", CHIEF)["certificate_no"])
    first, second = (int(n.rsplit("-", 1)[1]) for n in numbers)
    assert second == first + 1


def test_unknown_certificate_is_not_found(approval):
    assert remote_error(lambda: approval.get_certificate("HEALTH-411400-2026-999999")) == "NotFound"


def test_an_illegal_transition_is_a_conflict_and_changes_nothing(approval, service_config, status_changes):
    payload = accepted_event()
    before = approval.open_case(payload)
    with pytest.raises(Conflict) as caught:
        approval.transition(payload["case_no"], "approve", CHIEF)
    assert "已受理" in caught.value.detail and "准予许可" in caught.value.detail
    assert approval.get_case(payload["case_no"]) == before
    assert drain(service_config, status_changes) == []


def test_a_clerk_may_not_approve(approval, service_config):
    payload = accepted_event()
    approval.open_case(payload)
    approval.transition(payload["case_no"], "start_review", CLERK)
    before = approval.get_case(payload["case_no"])
    assert remote_error(lambda: approval.transition(payload["case_no"], "approve", CLERK)) == "Forbidden"
    assert approval.get_case(payload["case_no"]) == before
    assert drain(service_config, event_queue(contracts.Evaluation.SERVICE, contracts.CASE_DECIDED)) == []


def test_deny_without_a_reason_is_invalid(approval):
    payload = accepted_event()
    approval.open_case(payload)
    approval.transition(payload["case_no"], "start_review", CLERK)
    with pytest.raises(InvalidInput) as caught:
        approval.transition(payload["case_no"], "deny", CHIEF, {})
    assert [e["field"] for e in caught.value.errors] == ["comment"]
    denied = approval.transition(payload["case_no"], "deny", CHIEF, {"comment": "场所不符合卫生要求"})
    assert denied["status"] == "denied" and denied["decision"]["reason"] == "场所不符合卫生要求"


def test_pause_and_resume_push_the_deadlines_out(approval):
    today = local_today()
    accepted_on = today - dt.timedelta(days=21)
    paused_on = today - dt.timedelta(days=14)
    payload = accepted_event(accepted_on=accepted_on)
    opened = approval.open_case(payload)
    assert opened["deadlines"] == expected_deadlines(accepted_on, 15, 20)
    paused = approval.transition(payload["case_no"], "pause_clock", CLERK,
                                 {"comment": "专家评审", "on": paused_on.isoformat()})
    assert paused["status"] == "accepted" and paused["clock"]["paused"] is True
    resumed = approval.transition(payload["case_no"], "resume_clock", CLERK)
    assert resumed["clock"]["paused"] is False
    pause = [Pause(paused_on, today)]
    assert resumed["deadlines"] == expected_deadlines(accepted_on, 15, 20, pause)
    assert resumed["deadlines"]["promised"] > opened["deadlines"]["promised"]
    clock = WorkingDayClock(OfficialCalendar())
    assert resumed["clock"]["used_working_days"] == clock.working_days_used(accepted_on, today, pause).value
    assert remote_error(lambda: approval.transition(payload["case_no"], "pause_clock", CLERK, {})) == "InvalidInput"


def test_compute_deadlines(approval):
    result = approval.compute_deadlines("2026-09-30", 5, 20)
    assert result == expected_deadlines(dt.date(2026, 9, 30), 5, 20)
    assert remote_error(lambda: approval.compute_deadlines("30/09/2026", -1, 20)) == "InvalidInput"


def test_admins_enter_a_year_and_later_deadlines_use_it(approval):
    before = approval.compute_deadlines("2026-12-15", 5, 20)
    assert before["estimated"] is True
    assert approval.get_calendar_year(2027)["source"] == "weekdays"
    assert remote_error(lambda: approval.set_calendar_year(2027, [], [], CHIEF)) == "Forbidden"
    assert remote_error(lambda: approval.set_calendar_year(2027, ["2028-01-01"], [], ADMIN)) == "InvalidInput"
    saved = approval.set_calendar_year(2027, ["2027-01-01", "2027-01-04", "2027-01-05"], [], ADMIN)
    assert saved["source"] == "admin" and saved["updated_by"] == "admin"
    assert approval.get_calendar_year(2027)["holidays"] == ["2027-01-01", "2027-01-04", "2027-01-05"]
    after = approval.compute_deadlines("2026-12-15", 5, 20)
    assert after["estimated"] is False and after["statutory"] > before["statutory"]
    assert after["promised"] == before["promised"]


def test_a_concurrent_change_is_a_conflict(service_config):
    from services.approval.store import ApprovalStore
    from services.common.errors import Conflict
    from services.common.mongo import service_database

    store = ApprovalStore(service_database(contracts.Approval.SERVICE, service_config))
    store.ensure_indexes()
    assert store.insert_case({"_id": "C-RACE", "version": 1, "status": "accepted"})
    assert not store.insert_case({"_id": "C-RACE", "version": 1, "status": "accepted"})
    store.update_case("C-RACE", 1, {"$set": {"status": "in_review"}}, [])
    with pytest.raises(Conflict):
        store.update_case("C-RACE", 1, {"$set": {"status": "withdrawn"}}, [])
    assert store.case("C-RACE")["status"] == "in_review" and store.case("C-RACE")["version"] == 2
