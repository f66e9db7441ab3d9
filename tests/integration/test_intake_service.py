"""Intake service on a real broker and database: submit, notice, supplement, accept, refuse."""
import datetime as dt
import json
import time

import pytest
from kombu import Connection
from nameko.exceptions import RemoteError
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from polling import eventually

from services.common import contracts
from services.common.calendar import OfficialCalendar
from services.common.clock import WorkingDayClock
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.common.localtime import local_today
from services.common.mongo import service_database
from services.common.topology import event_queue
from services.intake.service import IntakeService

CLERK = {"username": "clerk1", "role": "clerk", "department": "health", "display_name": "李娜"}
APPLICANT = {"username": "wangjg", "role": "applicant", "department": None, "display_name": "王建国"}
PROVINCE = {"username": "province", "role": "api_client", "department": None, "display_name": "省政务服务平台"}
PUBLIC_PLACE = ["APPLICATION_FORM", "BUSINESS_LICENCE", "ID_COPY", "FLOOR_PLAN", "HYGIENE_TEST_REPORT",
                "HYGIENE_RULES", "STAFF_HEALTH_CERTS"]


def deadlines_from_today(item_promised=10, item_statutory=20):
    """What the shared working-day clock says for an application accepted today."""
    return WorkingDayClock(OfficialCalendar()).deadlines(local_today(), item_promised, item_statutory)


class FakeApproval:
    """Stands in for approval: counts open_case calls (there must be none) and serves calendar years."""
    name = contracts.Approval.SERVICE
    opened = []
    years = {}

    @rpc
    def open_case(self, payload):
        FakeApproval.opened.append(payload)
        return {"case_no": payload["case_no"], "status": "accepted"}

    @rpc
    def get_calendar_year(self, year):
        return FakeApproval.years.get(year) or {"year": year, "source": "bundled", "holidays": [], "workdays": []}


def body(materials=PUBLIC_PLACE, channel="window", **extra):
    return {
        "item_code": "HEALTH-PUBLIC-PLACE-NEW", "channel": channel,
        "applicant": {"type": "person", "name": "王建国", "id_number": "11010519491231002X", "phone": "13812345678"},
        "materials": [{"code": code} for code in materials], **extra,
    }


def drain(config, service, event_type, expected=1, timeout=10):
    """Messages waiting on one handler queue (declared by the topology)."""
    messages, deadline = [], time.time() + timeout
    with Connection(config["AMQP_URI"]) as connection:
        queue = event_queue(service, event_type)(connection.default_channel)
        while time.time() < deadline:
            message = queue.get(no_ack=True)
            if message is None:
                if len(messages) >= expected:
                    break
                time.sleep(0.1)
                continue
            payload = message.payload
            messages.append(json.loads(payload) if isinstance(payload, str | bytes) else payload)
    return messages


@pytest.fixture
def intake(container_factory, service_config):
    container = container_factory(IntakeService, {**service_config, "CALENDAR_REFRESH_SECONDS": 1})
    container.start()
    with ServiceRpcProxy(contracts.Intake.SERVICE, service_config) as proxy:
        yield proxy


@pytest.fixture
def approval(container_factory, service_config):
    FakeApproval.opened, FakeApproval.years = [], {}
    container_factory(FakeApproval, service_config).start()
    return FakeApproval


@pytest.fixture
def db(service_config):
    return service_database(contracts.Intake.SERVICE, service_config)


def test_catalogue_is_seeded_once_and_readable(intake, container_factory, service_config, db):
    second = container_factory(IntakeService, service_config)   # another worker starting on the same data
    second.start()
    items = intake.list_items()
    assert len(items) == db.items.count_documents({}) == db.items.count_documents({"versions": {"$size": 1}}) >= 17
    assert {i["department"] for i in intake.list_items(department="market")} == {"market"}
    assert all(i["category"] == "food_business" for i in intake.list_items(category="food_business"))
    item = intake.get_item("HEALTH-WATER-NEW")
    assert item["name"] == "生活饮用水供水单位卫生许可（新办）" and "site_inspection" in item["stages"]
    with pytest.raises(NotFound) as raised:
        intake.get_item("NO-SUCH-ITEM")
    assert "NO-SUCH-ITEM" in raised.value.detail


def test_complete_window_application_is_accepted_and_announced(intake, service_config, db):
    view = intake.submit_application(body(), CLERK)
    assert view["status"] == "accepted" and view["missing"] == []
    assert view["deadlines"] == deadlines_from_today()   # on the shared clock: approval need not run
    assert view["case_no"].startswith("411400-HEALTH-") and view["case_no"].endswith("-00001")
    assert view["notice"]["kind"] == "acceptance_notice" and view["notice"]["number"] == f"SL-{view['case_no']}"
    assert view["applicant"]["id_number"] == "110***********002X" and view["applicant"]["phone"] == "138****5678"
    assert view["first_contact"] == {"username": "clerk1", "display_name": "李娜", "work_no": None}
    assert view["submitted_by"] == "clerk1" and view["owner"] is None

    [accepted] = drain(service_config, "approval", contracts.APPLICATION_ACCEPTED)
    assert accepted["case_no"] == view["case_no"] and accepted["deadlines"] == view["deadlines"]
    assert accepted["item"]["promised_days"] == 10 and accepted["item"]["stages"][-1] == "decision"
    assert accepted["applicant"]["id_number"] == "110***********002X"
    [received] = drain(service_config, "evaluation", contracts.APPLICATION_RECEIVED)
    assert received["case_no"] == view["case_no"] and received["status"] == "accepted"

    stored = db.applications.find_one({"_id": view["case_no"]})
    assert "11010519491231002X" not in repr(stored) and len(stored["applicant"]["id_number_hash"]) == 64
    assert intake.get_application(view["case_no"]).items() >= view.items()
    # the relay pulls the events after the broker confirmed them: a moment after they can be consumed
    eventually(lambda: not db.applications.find_one({"_id": view["case_no"]}).get("outbox"), timeout=30)


def test_acceptance_calls_no_service_and_deadlines_follow_admin_calendar(intake, approval, service_config):
    view = intake.submit_application(body(), CLERK)
    expected = deadlines_from_today()
    assert view["deadlines"] == expected and expected["promised"] in view["notice"]["text"]
    assert approval.opened == []   # commit first: approval opens the case from the event
    [accepted] = drain(service_config, "approval", contracts.APPLICATION_ACCEPTED)
    assert accepted["case_no"] == view["case_no"] and accepted["deadlines"] == expected

    # An admin declares the next five days holidays: intake's cached calendar follows on its refresh.
    today = local_today()
    days = [(today + dt.timedelta(days=n)).isoformat() for n in range(1, 6)]
    approval.years[today.year] = {"year": today.year, "source": "admin", "updated_at": "now",
                                  "holidays": [d for d in days if d.startswith(str(today.year))], "workdays": []}
    approval.years[today.year + 1] = {"year": today.year + 1, "source": "admin", "updated_at": "now",
                                      "holidays": [d for d in days if not d.startswith(str(today.year))],
                                      "workdays": []}
    clock = WorkingDayClock(OfficialCalendar({y: e for y, e in approval.years.items()}))
    later = clock.deadlines(today, 10, 20)
    assert later != expected

    def refreshed():
        return intake.submit_application(body(), CLERK)["deadlines"] == later
    assert wait_for(refreshed, timeout=10)


def test_missing_materials_get_one_notice_then_supplement_accepts(intake, approval, service_config):
    view = intake.submit_application(body(["APPLICATION_FORM", "ID_COPY"]), CLERK)
    assert view["status"] == "awaiting_supplement" and view["deadlines"] is None
    missing = [m["code"] for m in view["missing"]]
    assert missing == ["BUSINESS_LICENCE", "FLOOR_PLAN", "HYGIENE_TEST_REPORT", "HYGIENE_RULES", "STAFF_HEALTH_CERTS"]
    assert all(m["name"] and m["reason"] == "未提交" for m in view["missing"])
    assert view["notice"]["kind"] == "one_time_notice" and view["notice"]["items"] == view["missing"]
    [notice] = drain(service_config, "notification", contracts.ONE_TIME_NOTICE_ISSUED)
    assert notice["missing"] == view["missing"]

    partly = intake.supplement(view["case_no"], [{"code": "BUSINESS_LICENCE"}, {"code": "FLOOR_PLAN"}], CLERK)
    assert partly["status"] == "awaiting_supplement"
    assert [m["code"] for m in partly["missing"]] == ["HYGIENE_TEST_REPORT", "HYGIENE_RULES", "STAFF_HEALTH_CERTS"]
    assert drain(service_config, "notification", contracts.ONE_TIME_NOTICE_ISSUED, expected=0, timeout=1) == []

    done = intake.supplement(view["case_no"], [{"code": c} for c in PUBLIC_PLACE[4:]], CLERK)
    assert done["status"] == "accepted" and done["missing"] == [] and done["deadlines"] == deadlines_from_today()
    assert [h["action"] for h in done["history"]] == ["submit", "supplement", "supplement"]
    [accepted] = drain(service_config, "approval", contracts.APPLICATION_ACCEPTED)
    assert accepted["case_no"] == view["case_no"]
    with pytest.raises(Conflict):
        intake.supplement(view["case_no"], [{"code": "FLOOR_PLAN"}], CLERK)


def test_a_pledge_lets_the_case_be_accepted(intake):
    pledges = [{"material_code": "HYGIENE_RULES", "due_date": "2099-01-31"}]
    view = intake.submit_application(body([c for c in PUBLIC_PLACE if c != "HYGIENE_RULES"], pledges=pledges), CLERK)
    assert view["status"] == "accepted" and view["pledges"][0]["code"] == "HYGIENE_RULES"
    assert view["pledges"][0]["due_date"] == "2099-01-31"


def test_idempotency_same_body_same_answer_other_body_conflict(intake, service_config, db):
    first = intake.submit_application(body(["APPLICATION_FORM"], channel="province"), PROVINCE, "key-1")
    again = intake.submit_application(body(["APPLICATION_FORM"], channel="province"), PROVINCE, "key-1")
    assert again == first and db.applications.count_documents({}) == 1
    with pytest.raises(Conflict):
        intake.submit_application(body(["APPLICATION_FORM", "ID_COPY"], channel="province"), PROVINCE, "key-1")
    other_actor = intake.submit_application(body(["APPLICATION_FORM"], channel="province"), APPLICANT, "key-1")
    assert other_actor["case_no"] != first["case_no"]   # keys are scoped by the submitting account
    assert len(drain(service_config, "evaluation", contracts.APPLICATION_RECEIVED, expected=2)) == 2


def test_bad_input_names_every_field_and_stores_nothing(intake, db):
    bad = body(["APPLICATION_FORM", "NOT_A_MATERIAL"], channel="fax")
    bad["applicant"].update(id_number="110105194912310021", phone="12345")
    with pytest.raises(InvalidInput) as raised:
        intake.submit_application(bad, CLERK, "key-bad")
    fields = {e["field"] for e in raised.value.errors}
    assert fields == {"channel", "applicant.id_number", "applicant.phone", "materials[1].code"}
    with pytest.raises(InvalidInput) as raised:
        intake.submit_application({**body(), "item_code": "NO-SUCH-ITEM"}, CLERK)
    assert [e["field"] for e in raised.value.errors] == ["item_code"]
    for name in ("applications", "counters"):
        assert db[name].count_documents({}) == 0, name


def test_online_goes_to_pre_review_then_staff_accept(intake, approval, service_config):
    view = intake.submit_application(body(["APPLICATION_FORM"], channel="online"), APPLICANT)
    assert view["status"] == "pre_review" and view["owner"] == "wangjg" and view["first_contact"] is None
    assert view["notice"] is None and view["missing"] == []
    with pytest.raises(Forbidden):
        intake.transition(view["case_no"], "accept", APPLICANT, {})
    with pytest.raises(Conflict):
        intake.transition(view["case_no"], "approve", CLERK, {})
    noticed = intake.transition(view["case_no"], "accept", CLERK, {})
    assert noticed["status"] == "awaiting_supplement" and len(noticed["missing"]) == len(PUBLIC_PLACE) - 1
    assert noticed["first_contact"] == {"username": "clerk1", "display_name": "李娜", "work_no": None}
    done = intake.supplement(view["case_no"], [{"code": c} for c in PUBLIC_PLACE], APPLICANT)
    assert done["status"] == "accepted" and done["deadlines"] == deadlines_from_today()
    assert [h["status"] for h in done["history"]] == ["pre_review", "awaiting_supplement", "accepted"]


def test_complete_online_application_accepted_by_staff(intake, approval):
    view = intake.submit_application(body(channel="online"), APPLICANT)
    accepted = intake.transition(view["case_no"], "accept", CLERK, {})
    assert accepted["status"] == "accepted" and accepted["deadlines"] == deadlines_from_today()
    assert accepted["first_contact"] == {"username": "clerk1", "display_name": "李娜", "work_no": None}
    with pytest.raises(Conflict):
        intake.transition(view["case_no"], "accept", CLERK, {})


def test_refusal_needs_a_reason_and_is_announced(intake, service_config):
    view = intake.submit_application(body(channel="online"), APPLICANT)
    with pytest.raises(InvalidInput) as raised:
        intake.transition(view["case_no"], "refuse", CLERK, {})
    assert raised.value.errors == [{"field": "comment", "message": "请填写不予受理的理由"}]
    refused = intake.transition(view["case_no"], "refuse", CLERK, {"comment": "申请事项依法不需要取得行政许可"})
    assert refused["status"] == "refused" and refused["notice"]["kind"] == "refusal_notice"
    assert refused["history"][-1]["comment"] == "申请事项依法不需要取得行政许可"
    [event] = drain(service_config, "notification", contracts.APPLICATION_REFUSED)
    assert event["reason"] == "申请事项依法不需要取得行政许可" and "行政复议" in event["notice"]["text"]
    with pytest.raises(Conflict):
        intake.transition(view["case_no"], "refuse", CLERK, {"comment": "再次"})
    with pytest.raises(NotFound):
        intake.get_application("411400-HEALTH-20000101-99999")


def test_case_numbers_count_up_per_department(intake):
    first = intake.submit_application(body(), CLERK)["case_no"]
    second = intake.submit_application(body(), CLERK)["case_no"]
    market = intake.submit_application({**body(), "item_code": "MARKET-FOOD-BUSINESS-NEW", "materials": []},
                                       {**CLERK, "department": "market"})["case_no"]
    assert first[:-5] == second[:-5] and int(second[-5:]) == int(first[-5:]) + 1
    assert "-MARKET-" in market and market.endswith("-00001")


def test_editing_an_item_makes_a_version_cases_keep_theirs(intake):
    case = intake.submit_application(body(), CLERK)
    admin = {"username": "hadmin", "role": "department_admin", "department": "health", "display_name": "管理员"}
    with pytest.raises(Forbidden):
        intake.update_item("HEALTH-PUBLIC-PLACE-NEW", {"promised_days": 8}, CLERK)
    edited = intake.update_item("HEALTH-PUBLIC-PLACE-NEW", {"promised_days": 8}, admin)
    assert edited["version"] == 2 and intake.get_item("HEALTH-PUBLIC-PLACE-NEW")["promised_days"] == 8
    assert intake.get_item("HEALTH-PUBLIC-PLACE-NEW", 1)["promised_days"] == 10
    assert intake.get_application(case["case_no"])["item_version"] == 1


def test_unexpected_errors_are_remote_errors_not_crashes(intake):
    with pytest.raises((InvalidInput, RemoteError)):
        intake.submit_application("not a dict", CLERK)
    assert intake.ping() == "pong"


wait_for = eventually


def test_a_taken_case_number_is_never_handed_to_another_request(intake, db):
    # A database crash lost the counter's last increments: the next numbers are already stored.
    first = intake.submit_application(body(channel="province"), PROVINCE, "key-first")
    counter = first["case_no"].rsplit("-", 1)[0]
    for n in (2, 3):
        db.applications.insert_one({**db.applications.find_one({"_id": first["case_no"]}),
                                    "_id": f"{counter}-{n:05d}", "case_no": f"{counter}-{n:05d}",
                                    "idempotency_key": f"someone:{n}"})
    db.counters.update_one({"_id": counter}, {"$set": {"seq": 1}})
    other = body(channel="province")
    other["applicant"]["name"] = "李小红"
    view = intake.submit_application(other, PROVINCE, "key-second")   # not a retry: a new case, a new number
    assert view["case_no"] == f"{counter}-00004" and view["applicant"]["name"] != first["applicant"]["name"]
    assert intake.submit_application(other, PROVINCE, "key-second") == view       # its own retry: the same
    assert intake.submit_application(body(channel="province"), PROVINCE, "key-first") == first
    assert db.applications.count_documents({}) == 4


def test_a_replay_survives_an_item_edit(intake):
    first = intake.submit_application(body(), CLERK, "key-edit")
    admin = {"username": "hadmin", "role": "department_admin", "department": "health", "display_name": "管理员"}
    item = intake.get_item("HEALTH-PUBLIC-PLACE-NEW")
    fewer = [m for m in item["materials"] if m["code"] != "STAFF_HEALTH_CERTS"]
    intake.update_item("HEALTH-PUBLIC-PLACE-NEW", {"materials": fewer}, admin)
    assert intake.submit_application(body(), CLERK, "key-edit") == first


def test_contact_in_full_only_through_get_contact(intake, service_config):
    view = intake.submit_application(body(), CLERK)
    assert view["applicant"]["phone"] == "138****5678"
    notification = contracts.service_actor(contracts.Notification.SERVICE)
    assert intake.get_contact(view["case_no"], actor=notification) == {"phone": "13812345678", "email": None}
    with pytest.raises(NotFound):
        intake.get_contact("NO-SUCH-CASE", actor=notification)
    for stranger in (None, CLERK, contracts.service_actor("evaluation")):  # only notification may ask
        with pytest.raises(Forbidden):
            intake.get_contact(view["case_no"], actor=stranger)


def test_submission_keys_are_released_after_the_retention_window(intake, db):
    """IDEMPOTENCY_RETENTION_HOURS: within the window the key replays its case; past it, intake's sweep
    releases the key (the application stays) and the key may be used again."""
    import datetime as dt

    from services.intake.store import IntakeStore

    old = intake.submit_application(body(["APPLICATION_FORM"], channel="province"), PROVINCE, "key-old")
    recent = intake.submit_application(body(["APPLICATION_FORM"], channel="province"), PROVINCE, "key-new")
    db.applications.update_one({"_id": old["case_no"]}, {"$set": {"received_at": "2020-01-01T00:00:00+00:00"}})
    cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=24)).isoformat()
    assert IntakeStore(db).release_keys(cutoff) == 1
    assert intake.submit_application(body(["APPLICATION_FORM"], channel="province"), PROVINCE, "key-new") == recent
    reused = intake.submit_application(body(["APPLICATION_FORM"], channel="province"), PROVINCE, "key-old")
    assert reused["case_no"] != old["case_no"] and db.applications.count_documents({}) == 3
    assert db.applications.find_one({"_id": old["case_no"]})["idempotency_key"] is None
