"""Catalogue rules: 八公开 facts, limits, case kinds, versions; every seed item valid."""
import copy

import pytest

from services.common.errors import InvalidInput
from services.intake.catalogue import (
    CASE_KINDS,
    PUBLIC_TEXTS,
    STANDARD_TEXTS,
    changes_between,
    needs_licence_number,
    new_version,
    snapshot,
    validate_item,
)
from services.intake.departments import seed_departments
from services.intake.seed import seed_items

REQUIRED_CODES = {"HEALTH-PUBLIC-PLACE-NEW", "HEALTH-WATER-NEW", "HEALTH-MEDICAL-NEW", "HEALTH-LICENCE-RENEW",
                  "HEALTH-LICENCE-REPLACE"}


def errors_of(raw):
    with pytest.raises(InvalidInput) as raised:
        validate_item(raw)
    return {e["field"]: e["message"] for e in raised.value.errors}


def test_seed_has_the_items_the_api_promises(catalogue):
    assert REQUIRED_CODES <= set(catalogue)
    assert catalogue["HEALTH-PUBLIC-PLACE-NEW"]["case_kind"] == "promised"
    assert catalogue["HEALTH-WATER-NEW"]["case_kind"] == "promised"
    assert "site_inspection" in catalogue["HEALTH-WATER-NEW"]["stages"]
    assert catalogue["HEALTH-LICENCE-REPLACE"]["case_kind"] == "instant"
    assert "医疗机构执业许可" in catalogue["HEALTH-MEDICAL-NEW"]["name"]
    assert "延续" in catalogue["HEALTH-LICENCE-RENEW"]["name"]


def test_seed_covers_both_departments_and_every_case_kind(catalogue):
    items = catalogue.values()
    assert {i["department"] for i in items} == {"health", "market"}
    assert len([i for i in items if i["department"] == "market"]) >= 2
    assert {i["case_kind"] for i in items} == set(CASE_KINDS)


@pytest.mark.parametrize("item", seed_items(), ids=lambda i: i["code"])
def test_every_seed_item_is_valid_with_all_public_facts(item):
    assert validate_item(copy.deepcopy(item)) == item
    for name in ("name", "category", *PUBLIC_TEXTS):
        assert item[name].strip(), name
    assert "《" in item["legal_basis"]
    assert 0 <= item["promised_days"] <= item["statutory_days"]
    assert item["materials"] and all(m["name"] for m in item["materials"])
    assert any(m["code"] == "APPLICATION_FORM" and m["required"] for m in item["materials"])
    assert item["version"] == 1


def test_seed_renewal_needs_only_two_documents(catalogue):
    # 001: renewal of the 卫生许可证 cut from 5-10 documents to 2.
    assert len([m for m in catalogue["HEALTH-LICENCE-RENEW"]["materials"] if m["required"]]) == 2


def test_promised_may_not_exceed_statutory(public_place):
    raw = {**public_place, "promised_days": 21}
    assert errors_of(raw)["promised_days"] == "承诺时限不得长于法定时限"
    assert validate_item({**public_place, "promised_days": 20})["promised_days"] == 20


def test_every_bad_field_is_named(public_place):
    raw = copy.deepcopy(public_place)
    raw.update(code="bad code", department="police", case_kind="urgent", legal_basis="", fee=None,
               statutory_days=0, promised_days=-1, stages=["sightseeing"], licence={"name": "", "valid_years": 0},
               version=0)
    raw["materials"][1] = {"code": "APPLICATION_FORM", "name": "重复", "copies": 0, "required": "yes"}
    errors = errors_of(raw)
    assert {"code", "department", "case_kind", "legal_basis", "fee", "statutory_days", "promised_days", "stages",
            "licence.name", "licence.valid_years", "version", "materials[1].code", "materials[1].copies",
            "materials[1].required"} <= set(errors)


def test_empty_material_list_is_refused(public_place):
    assert "materials" in errors_of({**public_place, "materials": []})


def test_case_kind_rules(catalogue, public_place):
    assert "promised_days" in errors_of({**public_place, "case_kind": "instant"})
    instant = catalogue["HEALTH-LICENCE-REPLACE"]
    assert "promised_days" in errors_of({**instant, "case_kind": "promised"})
    assert "joint_departments" in errors_of({**public_place, "joint_departments": ["health", "market"]})
    assert "higher_authority" in errors_of({**public_place, "higher_authority": "省卫生健康委员会"})
    joint = catalogue["HEALTH-HOTEL-JOINT"]
    assert set(errors_of({**joint, "joint_departments": ["health"], "stages": ["first_review", "decision"],
                          "stage_limits": {}})) == {"joint_departments", "stages"}
    escalated = catalogue["HEALTH-RADIATION-NEW"]
    assert "higher_authority" in errors_of({**escalated, "higher_authority": None})


def test_a_new_version_changes_facts_but_not_identity(public_place):
    edited = new_version(public_place, {"promised_days": 7, "fee": "不收费"})
    assert edited["version"] == 2 and edited["promised_days"] == 7
    assert public_place["version"] == 1 and public_place["promised_days"] == 10
    with pytest.raises(InvalidInput) as raised:
        new_version(public_place, {"code": "HEALTH-OTHER", "department": "market"})
    assert {e["field"] for e in raised.value.errors} == {"code", "department"}
    with pytest.raises(InvalidInput):
        new_version(public_place, {"promised_days": 30})


def test_snapshot_is_what_approval_needs(catalogue):
    assert snapshot(catalogue["HEALTH-WATER-NEW"]) == {
        "case_kind": "promised", "promised_days": 15, "statutory_days": 20,
        "stages": ["first_review", "site_inspection", "decision"], "joint_departments": [],
        "higher_authority": None, "licence_valid_years": 4, "licence_name": "生活饮用水供水单位卫生许可证",
        "licence_action": "new", "department_name": "卫生健康委员会",
        "stage_limits": {"first_review": 6, "site_inspection": 4, "decision": 4}}
    assert snapshot(catalogue["HEALTH-RADIATION-NEW"])["licence_valid_years"] is None


# --- issue 7: a full catalogue, departments as data, audited versions -------------------
FAMILIES = ("公共场所卫生许可", "生活饮用水供水单位卫生许可", "医疗机构执业许可", "放射诊疗许可",
            "母婴保健技术服务执业许可", "消毒产品生产企业卫生许可")


def test_at_least_17_health_items_and_several_market_items(catalogue):
    health = [i for i in catalogue.values() if i["department"] == "health"]
    market = [i for i in catalogue.values() if i["department"] == "market"]
    assert len(health) >= 17 and len(market) >= 3
    names = " ".join(i["name"] for i in health)
    for family in FAMILIES:
        assert family in names, family
    for action in ("新办", "延续", "变更", "补办", "注销", "校验"):
        assert action in names, action
    assert any("食品经营许可" in i["name"] for i in market)


@pytest.mark.parametrize("item", seed_items(), ids=lambda i: i["code"])
def test_every_seed_item_has_the_standard_fields(item):
    for name in STANDARD_TEXTS:
        assert item[name].strip(), name
    assert item["item_type"] == "行政许可" and item["department_name"]
    assert item["implementation_code"].endswith(item["basic_code"] + item["implementation_code"][-1])
    assert item["fee_amount"] == 0 and "第五十八条" in item["fee_basis"]
    assert set(item["stage_limits"]) <= set(item["stages"])
    assert all(days <= max(item["promised_days"], 1) for days in item["stage_limits"].values())
    if item["licence_action"] in ("new", "renew", "change", "replace"):
        assert item["licence"]["valid_years"] >= 1
    assert needs_licence_number(item) == (item["licence_action"] in ("renew", "change", "replace", "cancel",
                                                                      "inspect"))


def test_departments_are_data():
    departments = seed_departments()
    assert set(departments) == {"health", "market"}
    assert departments["health"]["name"] == "卫生健康委员会" and departments["market"]["window"]
    police = {"code": "police", "name": "公安局", "full_name": "商丘市公安局", "window": "一楼", "consult_phone": "110",
              "complaint_phone": "12345"}
    item = {**seed_items()[0], "department": "police", "joint_departments": []}
    assert validate_item(item, {**departments, "police": police})["department_name"] == "公安局"
    assert "department" in errors_of(item)


def test_stage_limits_name_known_stages_within_the_promise(public_place):
    errors = errors_of({**public_place, "stage_limits": {"joint_review": 2, "decision": 99, "first_review": -1}})
    assert {"stage_limits.joint_review", "stage_limits.decision", "stage_limits.first_review"} <= set(errors)


def test_licence_actions(public_place):
    assert "licence_action" in errors_of({**public_place, "licence_action": "sell"})
    assert "licence" in errors_of({**public_place, "licence": None, "licence_action": "renew"})
    assert validate_item({**public_place, "licence": None, "licence_action": "cancel"})["licence_action"] == "cancel"


def test_changes_between_names_each_changed_field(public_place):
    edited = new_version(public_place, {"promised_days": 7, "fee": "不收费"})
    changes = {c["field"]: (c["from"], c["to"]) for c in changes_between(public_place, edited)}
    assert changes == {"promised_days": (10, 7), "fee": (public_place["fee"], "不收费")}
