"""Catalogue rules: 八公开 facts, limits, case kinds, versions; every seed item valid."""
import copy

import pytest

from services.common.errors import InvalidInput
from services.intake.catalogue import CASE_KINDS, PUBLIC_TEXTS, new_version, snapshot, validate_item
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
    assert set(errors_of({**joint, "joint_departments": ["health"], "stages": ["first_review", "decision"]})) == {
        "joint_departments", "stages"}
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
        "higher_authority": None, "licence_valid_years": 4}
    assert snapshot(catalogue["HEALTH-RADIATION-NEW"])["licence_valid_years"] is None
