"""Electronic supervision (电子监察) on a real broker and database: two approval replicas run the
deadline timer and every warning goes out once, into the responsible staff member's inbox."""
import datetime as dt
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ServiceRpcProxy
from test_approval_service import HEALTH_ADMIN, ITEM_ACTIONS, accepted_event

from services.approval.service import ApprovalService, local_today
from services.common import contracts
from services.notification.service import NotificationService

FAST = {"SUPERVISION_SCAN_SECONDS": "0.3"}


@pytest.fixture
def alerts_queue(service_config):
    queue = Queue(f"test-alerts-{uuid.uuid4().hex[:6]}", Exchange("approval.events", type="topic", durable=True),
                  routing_key=contracts.SUPERVISION_ALERT, auto_delete=False)
    with Connection(service_config["AMQP_URI"]) as connection:
        queue.bind(connection.default_channel).declare()
    return queue


def drain(config, queue):
    messages = []
    with Connection(config["AMQP_URI"]) as connection:
        bound = queue.bind(connection.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            messages.append(message.decode())
    return messages


def test_two_replicas_announce_each_warning_once_to_the_staff_inbox(container_factory, service_config, alerts_queue):
    config = {**service_config, **FAST}
    for _ in range(2):
        container_factory(ApprovalService, config).start()
    container_factory(NotificationService, config).start()
    today = local_today()
    instant = accepted_event(case_kind="instant", promised_days=0, statutory_days=20)      # due today: yellow
    promised = accepted_event(promised_days=15, statutory_days=20)                         # green
    staged = accepted_event(accepted_on=today - dt.timedelta(days=14), promised_days=40, statutory_days=45,
                            stage_limits={"review": 1})                                    # review stage: red
    with ServiceRpcProxy(contracts.Approval.SERVICE, config) as approval:
        for payload in (instant, promised, staged):
            approval.open_case(payload)
        assert approval.get_case(instant["case_no"])["supervision"] | {"stage_deadline": None} == {
            "state": "yellow", "stage": "overall", "stage_deadline": None, "remaining_working_days": 0}
        assert approval.get_case(promised["case_no"])["supervision"]["state"] == "green"
        red = approval.get_case(staged["case_no"])["supervision"]
        assert red["state"] == "red" and red["stage"] == "review" and red["remaining_working_days"] < 0
        board = approval.supervision("health")
        assert {v["case_no"] for v in board["yellow"]} >= {instant["case_no"]}
        assert {v["case_no"] for v in board["red"]} >= {staged["case_no"]}
        assert promised["case_no"] not in {v["case_no"] for v in board["yellow"] + board["red"]}

        time.sleep(3)  # about ten ticks of each replica
        events = drain(config, alerts_queue)
        keys = [(e["case_no"], e["stage"], e["deadline"], e["state"]) for e in events]
        assert len(keys) == len(set(keys)), f"a warning went out twice: {keys}"
        assert {(k[0], k[1], k[3]) for k in keys} >= {(instant["case_no"], "overall", "yellow"),
                                                      (staged["case_no"], "review", "red")}
        assert promised["case_no"] not in {k[0] for k in keys}
        warned = next(e for e in events if e["case_no"] == staged["case_no"] and e["stage"] == "review")
        assert warned["responsible"] == "clerk1" and warned["remaining_working_days"] < 0

        # a restart (a third replica) does not repeat them
        container_factory(ApprovalService, config).start()
        time.sleep(1)
        assert drain(config, alerts_queue) == []

    with ServiceRpcProxy(contracts.Notification.SERVICE, config) as notification:
        deadline = time.monotonic() + 10
        while True:
            inbox = [m for m in notification.list_inbox(["clerk1"]) if m["event"] == contracts.SUPERVISION_ALERT]
            titles = sorted(m["title"] for m in inbox if m["case_no"] in (instant["case_no"], staged["case_no"]))
            if len(titles) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert titles == sorted([f"黄牌预警：{instant['case_no']}", f"红牌警告：{staged['case_no']}"])
        assert len(inbox) == len({m["case_no"] + m["title"] for m in inbox})   # each once
        assert any(m["case_no"] == staged["case_no"] for m in notification.list_inbox(["role:supervisor"]))


def test_a_letter_ending_within_a_month_reminds_the_department_once(container_factory, service_config):
    config = {**service_config, **FAST}
    for _ in range(2):
        container_factory(ApprovalService, config).start()
    container_factory(NotificationService, config).start()
    ends = (local_today() + dt.timedelta(days=20)).isoformat()
    with ServiceRpcProxy(contracts.Approval.SERVICE, config) as approval:
        approval.issue_delegation({"department": "health", "a_account": "chief_a", "b_account": "chief1",
                                   "valid_until": ends,
                                   "items": [{"item_code": "HEALTH-PUBLIC-PLACE-NEW", "actions": ITEM_ACTIONS}]},
                                  HEALTH_ADMIN)
    time.sleep(2)
    with ServiceRpcProxy(contracts.Notification.SERVICE, config) as notification:
        deadline = time.monotonic() + 10
        while True:
            reminders = [m for m in notification.list_inbox(["dept:health:staff"])
                         if m["event"] == contracts.DELEGATION_EXPIRING]
            if reminders or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(reminders) == 1 and ends in reminders[0]["body"]


def test_an_ab_post_keeps_receiving_to_the_clerk_on_duty(container_factory, service_config):
    """AB岗: with a post letter for 受理, only its acting clerk accepts; the other is refused and recorded."""
    from test_intake_service import APPLICANT, PUBLIC_PLACE, body

    from services.common.errors import Forbidden
    from services.intake.service import IntakeService

    container_factory(IntakeService, service_config).start()
    container_factory(ApprovalService, service_config).start()
    clerk2 = {"username": "clerk2", "role": "clerk", "department": "health", "display_name": "窗口乙"}
    clerk1 = {**clerk2, "username": "clerk1", "display_name": "窗口甲"}
    with ServiceRpcProxy(contracts.Approval.SERVICE, service_config) as approval, \
            ServiceRpcProxy(contracts.Intake.SERVICE, service_config) as intake:
        approval.issue_delegation({"department": "health", "kind": "post", "a_account": "clerk1",
                                   "b_account": "clerk2",
                                   "items": [{"item_code": "HEALTH-PUBLIC-PLACE-NEW", "actions": ["受理"]}]},
                                  HEALTH_ADMIN)
        first = intake.submit_application(body(PUBLIC_PLACE, channel="online"), APPLICANT)
        assert intake.get_application(first["case_no"], clerk1)["allowed_actions"] == []
        assert intake.get_application(first["case_no"], clerk2)["allowed_actions"] == ["accept", "refuse"]
        with pytest.raises(Forbidden):
            intake.transition(first["case_no"], "accept", clerk1, {})
        assert [v["actor"] for v in approval.list_violations("health")] == ["clerk1"]
        assert intake.transition(first["case_no"], "accept", clerk2, {})["status"] == "accepted"
        approval.set_away("clerk2", "health", True, HEALTH_ADMIN)    # B away: A receives
        second = intake.submit_application(body(PUBLIC_PLACE, channel="online"), APPLICANT)
        assert intake.get_application(second["case_no"], clerk1)["allowed_actions"] == ["accept", "refuse"]
        assert intake.transition(second["case_no"], "accept", clerk1, {})["status"] == "accepted"


def test_the_scan_reaches_every_open_case_however_many_window_after_window(
        container_factory, service_config, alerts_queue, monkeypatch):
    from services.approval import store as approval_store
    monkeypatch.setattr(approval_store, "OPEN_WINDOW", 2)   # five red cases, two per tick
    container_factory(ApprovalService, {**service_config, **FAST}).start()
    today = local_today()
    late = [accepted_event(accepted_on=today - dt.timedelta(days=14), promised_days=40, statutory_days=45,
                           stage_limits={"review": 1}) for _ in range(5)]
    with ServiceRpcProxy(contracts.Approval.SERVICE, service_config) as approval:
        for payload in late:
            approval.open_case(payload)
    time.sleep(3)   # about ten ticks
    warned = {e["case_no"] for e in drain(service_config, alerts_queue) if e["state"] == "red"}
    assert warned == {payload["case_no"] for payload in late}


def test_a_case_changed_after_its_scan_is_scanned_again_the_same_day(
        container_factory, service_config, alerts_queue):
    from services.approval.store import UNWATCHED, ApprovalStore
    from services.common.mongo import service_database
    container_factory(ApprovalService, {**service_config, **FAST}).start()
    green = accepted_event(promised_days=15, statutory_days=20)
    with ServiceRpcProxy(contracts.Approval.SERVICE, service_config) as approval:
        approval.open_case(green)
    store, today = ApprovalStore(service_database("approval", service_config)), local_today()
    deadline = time.monotonic() + 10
    while store.case(green["case_no"]).get("scanned_on") != today.isoformat():
        assert time.monotonic() < deadline, "the scan never looked at the new case"
        time.sleep(0.2)
    assert drain(service_config, alerts_queue) == []
    case = store.case(green["case_no"])
    overdue = {**case["deadlines"], "promised": (today - dt.timedelta(days=7)).isoformat()}
    store.update_case(green["case_no"], case["version"], {"$set": {"deadlines": overdue}}, [])
    time.sleep(2)   # several ticks
    assert ("overall", "red") in {(e["stage"], e["state"]) for e in drain(service_config, alerts_queue)
                                  if e["case_no"] == green["case_no"]}
    assert store.case(green["case_no"])["supervision_state"] == "red"

    case = store.case(green["case_no"])
    store.update_case(green["case_no"], case["version"], {"$set": {"status": "closed"}}, [])
    while store.case(green["case_no"])["scanned_on"] != UNWATCHED:   # closed: never scanned again
        assert time.monotonic() < deadline + 5, "the scan never let the closed case go"
        time.sleep(0.2)


def test_all_open_cases_come_window_after_window_each_once(service_config, monkeypatch):
    from services.approval import store as approval_store
    from services.common.mongo import service_database
    monkeypatch.setattr(approval_store, "OPEN_WINDOW", 2)
    store = approval_store.ApprovalStore(service_database("approval", service_config))
    store.cases.insert_many([{"_id": f"W-{n}", "status": ("accepted", "in_review", "closed")[n % 3]}
                             for n in range(9)])
    assert [case["_id"] for case in store.all_open_cases(("accepted", "in_review"))] == [
        "W-0", "W-1", "W-3", "W-4", "W-6", "W-7"]


def test_a_case_is_due_for_the_scan_once_a_day_and_again_after_each_change(service_config, monkeypatch):
    from services.approval import store as approval_store
    from services.common.mongo import service_database
    monkeypatch.setattr(approval_store, "OPEN_WINDOW", 2)
    store = approval_store.ApprovalStore(service_database("approval", service_config))
    store.ensure_indexes()
    for n in range(3):
        assert store.insert_case({"_id": f"S-{n}", "case_no": f"S-{n}", "status": "accepted", "version": 1})
    store.cases.insert_one({"_id": "S-old", "status": "accepted", "version": 1})   # from before scanned_on
    store.ensure_indexes()                                                         # a restart: due once
    today, tomorrow = "2026-12-07", "2026-12-08"

    def due(day):
        return sorted(case["_id"] for case in store.due_for_scan(day))

    seen = []
    while batch := store.due_for_scan(today):
        assert len(batch) <= 2
        seen += [case["_id"] for case in batch]
        store.mark_scanned([(case, {"$set": {"scanned_on": today}}) for case in batch])
    assert sorted(seen) == ["S-0", "S-1", "S-2", "S-old"]        # each once
    monkeypatch.setattr(approval_store, "OPEN_WINDOW", 10)
    assert due(tomorrow) == ["S-0", "S-1", "S-2", "S-old"]       # and again the next centre day

    store.update_case("S-1", 1, {"$set": {"status": "in_review"}}, [])    # a change: due again today
    assert due(today) == ["S-1"]
    stale = {"_id": "S-1", "version": 1}                                   # scanned before that change
    store.mark_scanned([(stale, {"$set": {"scanned_on": today}})])
    assert due(today) == ["S-1"]

    store.mark_scanned([(store.case("S-1"), {"$set": {"scanned_on": approval_store.UNWATCHED}})])
    assert due(today) == [] and "S-1" not in due("9999-12-31")   # nothing left to watch: never again

    store.rescan_all()                                             # the calendar changed
    assert due(today) == ["S-0", "S-2", "S-old"]
