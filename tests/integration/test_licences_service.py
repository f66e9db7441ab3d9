"""A licence's whole life in approval, on a real broker and database: issuance as one outcome with its
case, renewal replacing the old licence, revocation, expiry reminders safe with two replicas, 结果公示."""
import datetime as dt
import uuid

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook
from test_approval_service import CHIEF, CLERK, accepted_event, drain

from services.approval.service import ApprovalService, local_today
from services.common import contracts
from services.common.config import database_name
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.common.mongo import get_client
from services.common.topology import event_queue
from services.intake.service import IntakeService

ADMIN = {"username": "health_admin", "role": "department_admin", "department": "health", "display_name": "管理员"}


@pytest.fixture
def containers(container_factory, service_config):
    intake = container_factory(IntakeService, service_config)
    intake.start()
    first = container_factory(ApprovalService, service_config)
    first.start()
    return first


@pytest.fixture
def approval(containers, service_config):
    with ServiceRpcProxy(contracts.Approval.SERVICE, service_config) as proxy:
        yield proxy


@pytest.fixture
def approval_db(service_config):
    return get_client(service_config["MONGO_URI"])[database_name("approval", service_config["MONGO_DB_PREFIX"])]


def issue(approval, **overrides):
    payload = accepted_event(**overrides.pop("item", {}))
    payload.update(overrides)
    approval.open_case(payload)
    approval.transition(payload["case_no"], "start_review", CLERK)
    approval.transition(payload["case_no"], "approve", CHIEF)
    return approval.transition(payload["case_no"], "issue_certificate", CHIEF)


def register(approval, days_left: int, **overrides):
    today = local_today()
    body = {"item_code": "HEALTH-PUBLIC-PLACE-NEW", "holder_name": "南湖宾馆有限公司", "holder_type": "enterprise",
            "valid_from": (today - dt.timedelta(days=1000)).isoformat(),
            "valid_until": (today + dt.timedelta(days=days_left)).isoformat(), "legacy_no": "商卫公字〔2022〕第12号",
            **overrides}
    return approval.register_certificate(body, ADMIN)


def test_a_certificate_is_recorded_in_its_case_write_and_a_crash_before_filing_is_repaired(approval, approval_db):
    issued = issue(approval)
    number = issued["certificate_no"]
    case = approval_db.cases.find_one({"_id": issued["case_no"]})
    assert case["certificate"]["certificate_no"] == number and "certificate_pending" not in case
    # The state a crash between the case write and the filing leaves behind:
    approval_db.certificates.delete_one({"_id": number})
    approval_db.cases.update_one({"_id": issued["case_no"]}, {"$set": {"certificate_pending": True}})
    # a read in between finds it in the case (and files it) ...
    assert approval.get_certificate(number)["status"] == "valid"
    assert approval_db.certificates.count_documents({"_id": number}) == 1
    # ... and the filing sweep repairs it when nobody reads
    approval_db.certificates.delete_one({"_id": number})
    approval_db.cases.update_one({"_id": issued["case_no"]}, {"$set": {"certificate_pending": True}})
    deadline = eventlet.Timeout(10)
    with deadline:
        while approval_db.certificates.count_documents({"_id": number}) == 0:
            eventlet.sleep(0.2)
    assert "certificate_pending" not in approval_db.cases.find_one({"_id": issued["case_no"]})


def test_a_conflicting_issue_leaves_no_certificate(approval, approval_db):
    payload = accepted_event()
    approval.open_case(payload)
    approval.transition(payload["case_no"], "start_review", CLERK)
    approval.transition(payload["case_no"], "approve", CHIEF)
    before = approval_db.certificates.count_documents({})
    approval.transition(payload["case_no"], "issue_certificate", CHIEF)
    with pytest.raises(Conflict):
        approval.transition(payload["case_no"], "issue_certificate", CHIEF)
    assert approval_db.certificates.count_documents({}) == before + 1
    assert approval_db.certificates.count_documents({"case_no": payload["case_no"]}) == 1


def test_renewal_continues_the_old_licence_and_replaces_it(approval):
    old = register(approval, 60)
    renewed = issue(approval, licence_of=old["certificate_no"],
                    item={"licence_action": "renew", "licence_name": "公共场所卫生许可证"})
    new = approval.get_certificate(renewed["certificate_no"])
    assert new["replaces"] == old["certificate_no"] and new["status"] == "valid"
    assert new["valid_from"] == (dt.date.fromisoformat(old["valid_until"]) + dt.timedelta(days=1)).isoformat()
    before = approval.get_certificate(old["certificate_no"])
    assert before["status"] == "replaced" and before["replaced_by"] == new["certificate_no"]
    assert [h["action"] for h in before["history"]] == ["register", "replaced"]


def test_revoke_and_cancel(approval, service_config):
    number = issue(approval)["certificate_no"]
    with pytest.raises(InvalidInput):
        approval.certificate_transition(number, "revoke", "", CHIEF)
    with pytest.raises(Forbidden):
        approval.certificate_transition(number, "revoke", "理由", {**CHIEF, "department": "market"})
    revoked = approval.certificate_transition(number, "revoke", "以欺骗手段取得许可", CHIEF)
    assert revoked["status"] == "revoked" and revoked["history"][-1]["reason"] == "以欺骗手段取得许可"
    with pytest.raises(Conflict):
        approval.certificate_transition(number, "cancel", "停业", CHIEF)
    (event,) = drain(service_config, event_queue(contracts.Notification.SERVICE,
                                                 contracts.CERTIFICATE_STATUS_CHANGED), 1)
    assert (event["certificate_no"], event["status"], event["action"]) == (number, "revoked", "revoke")


def test_registration_is_checked(approval):
    with pytest.raises(InvalidInput) as raised:
        approval.register_certificate({"item_code": "NOPE", "holder_type": "robot", "valid_from": "2026-13-01"},
                                      ADMIN)
    assert {e["field"] for e in raised.value.errors} >= {"item_code", "holder_name", "holder_type", "valid_from",
                                                         "valid_until"}
    with pytest.raises(Forbidden):
        register(approval, 100, item_code="MARKET-FOOD-BUSINESS-NEW")
    with pytest.raises(NotFound):
        approval.get_certificate("HEALTH-411400-2026-999999")


def test_reminders_go_once_even_with_two_replicas(container_factory, service_config, containers, approval):
    first, second = containers, container_factory(ApprovalService, service_config)
    second.start()
    in_90 = register(approval, 85)["certificate_no"]
    in_30 = register(approval, 20)["certificate_no"]
    far = register(approval, 200)["certificate_no"]
    with entrypoint_hook(first, "remind_expiring") as remind_a, entrypoint_hook(second, "remind_expiring") as remind_b:
        pool = eventlet.GreenPool()
        runs = [pool.spawn(remind_a), pool.spawn(remind_b)]
        pool.waitall()
        assert sum(run.wait() for run in runs) >= 2
        remind_a()
    events = drain(service_config, event_queue(contracts.Notification.SERVICE, contracts.CERTIFICATE_EXPIRING), 2)
    mine = {(e["certificate_no"], e["threshold"]) for e in events if e["certificate_no"] in (in_90, in_30, far)}
    assert sorted(mine) == sorted({(in_90, 90), (in_30, 30)})
    assert len([e for e in events if e["certificate_no"] in (in_90, in_30)]) == 2


def test_results_are_public_without_personal_data(approval):
    person = {"type": "person", "name": "王小明", "id_number": "110101199003071234", "phone": "13812345678"}
    case_no = f"411400-HEALTH-{uuid.uuid4().hex[:8]}"
    issue(approval, case_no=case_no, applicant=person)
    results = approval.list_results("health", local_today().isoformat(), None, 500)
    mine = next(r for r in results if r["case_no"] == case_no)
    assert mine["holder"] == "王**" and mine["decision"] == "approved" and mine["certificate_no"]
    assert "1234" not in str(mine) and "5678" not in str(mine)
    with pytest.raises(InvalidInput):
        approval.list_results(None, "2026-02-30", None, 10)
