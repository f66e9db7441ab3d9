"""The catalogue on a real broker and database: departments as data, items created and edited by their
department's admin, each edit one audited version, cases keep theirs."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.common import contracts
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.common.mongo import service_database
from services.intake.service import IntakeService
from services.intake.store import IntakeStore

HEALTH_ADMIN = {"username": "hadmin", "role": "department_admin", "department": "health", "display_name": "卫健管理员"}
MARKET_ADMIN = {"username": "madmin", "role": "department_admin", "department": "market", "display_name": "市监管理员"}
CODE = "HEALTH-PUBLIC-PLACE-NEW"


@pytest.fixture
def intake(container_factory, service_config):
    container_factory(IntakeService, service_config).start()
    with ServiceRpcProxy(contracts.Intake.SERVICE, service_config) as proxy:
        yield proxy


@pytest.fixture
def db(service_config):
    return service_database(contracts.Intake.SERVICE, service_config)


def test_departments_are_seeded_as_data(intake, db):
    departments = {d["code"]: d for d in intake.list_departments()}
    assert departments["health"]["name"] == "卫生健康委员会" and departments["market"]["complaint_phone"]
    assert db.departments.count_documents({}) == 2
    assert intake.get_item(CODE)["department_name"] == "卫生健康委员会"


def test_an_edit_is_one_audited_version(intake, db):
    edited = intake.update_item(CODE, {"promised_days": 8, "office_hours": "工作日 9:00-17:00"}, HEALTH_ADMIN)
    assert edited["version"] == 2
    versions = intake.item_versions(CODE)
    assert [v["version"] for v in versions] == [2, 1]
    latest = versions[0]
    assert latest["changed_by"] == "hadmin" and latest["changed_at"]
    assert {c["field"]: (c["from"], c["to"]) for c in latest["changes"]} == {
        "promised_days": (10, 8), "office_hours": (intake.get_item(CODE, 1)["office_hours"], "工作日 9:00-17:00")}
    assert versions[1]["changed_by"] == "seed" and versions[1]["changes"] == []
    # one document holds the current version and every version: nothing a crash could split
    doc = db.items.find_one({"_id": CODE})
    assert doc["version"] == 2 and [v["version"] for v in doc["versions"]] == [1, 2]
    assert "versions" not in intake.get_item(CODE) and "versions" not in intake.list_items()[0]


def test_another_departments_admin_may_not_edit_and_nothing_changes(intake):
    before = intake.get_item(CODE)
    with pytest.raises(Forbidden):
        intake.update_item(CODE, {"promised_days": 3}, MARKET_ADMIN)
    with pytest.raises(InvalidInput) as raised:
        intake.update_item(CODE, {"promised_days": 21}, HEALTH_ADMIN)
    assert raised.value.errors[0]["field"] == "promised_days"
    assert intake.get_item(CODE) == before and len(intake.item_versions(CODE)) == 1


def test_a_stale_edit_changes_nothing(intake, db):
    stale = intake.get_item(CODE)
    intake.update_item(CODE, {"promised_days": 9}, HEALTH_ADMIN)  # someone else got there first
    store = IntakeStore(db)
    assert not store.save_new_version({**stale, "version": 2, "promised_days": 7}, "t", "late", [])
    assert intake.get_item(CODE)["promised_days"] == 9 and len(intake.item_versions(CODE)) == 2


def test_create_an_item_in_ones_own_department(intake):
    raw = {**intake.get_item("HEALTH-LICENCE-REPLACE"), "code": "HEALTH-TEST-NEW-ITEM", "name": "测试事项（补办）"}
    raw.pop("department_name")
    with pytest.raises(Forbidden):
        intake.create_item(raw, MARKET_ADMIN)
    created = intake.create_item(raw, HEALTH_ADMIN)
    assert created["version"] == 1 and intake.get_item("HEALTH-TEST-NEW-ITEM")["name"] == "测试事项（补办）"
    with pytest.raises(Conflict):
        intake.create_item(raw, HEALTH_ADMIN)
    with pytest.raises(InvalidInput) as raised:
        intake.create_item({**raw, "code": "HEALTH-TEST-2", "promised_days": 30, "case_kind": "promised"},
                           HEALTH_ADMIN)
    assert "promised_days" in {e["field"] for e in raised.value.errors}
    with pytest.raises(NotFound):
        intake.item_versions("NO-SUCH-ITEM")
