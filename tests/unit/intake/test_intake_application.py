"""Validation of application bodies: every bad field named at once, in Chinese."""
import copy
import datetime as dt

import pytest

from services.common.errors import InvalidInput
from services.intake.application import validate_application, validate_materials

TODAY = dt.date(2026, 11, 23)


def fields_of(body, item):
    with pytest.raises(InvalidInput) as raised:
        validate_application(body, item, TODAY)
    return {e["field"]: e["message"] for e in raised.value.errors}


def test_a_valid_person_application_is_cleaned(person_body, public_place):
    person_body["applicant"]["id_number"] = "11010519491231002x"
    person_body["materials"][0].update(copies=2, original=True, note="原件已核", extra="dropped")
    cleaned = validate_application(person_body, public_place, TODAY)
    assert cleaned["applicant"]["id_number"] == "11010519491231002X"
    assert cleaned["materials"][0] == {"code": "APPLICATION_FORM", "note": "原件已核", "copies": 2, "original": True}
    assert cleaned["pledges"] == [] and cleaned["owner_account"] is None


def test_a_valid_enterprise_application(person_body, public_place):
    person_body["applicant"] = {"type": "enterprise", "name": "商丘市梁园区悦来宾馆有限公司",
                                "credit_code": "91350100m000100y43", "legal_representative": "王建国",
                                "phone": "13912345678"}
    cleaned = validate_application(person_body, public_place, TODAY)
    assert cleaned["applicant"]["credit_code"] == "91350100M000100Y43"
    assert "id_number" not in cleaned["applicant"]


def test_every_bad_field_is_named_at_once(person_body, public_place):
    body = copy.deepcopy(person_body)
    body.update(channel="fax", owner_account="")
    body["applicant"].update(name=" ", id_number="110105194912310021", phone="12345")
    body["materials"] = [{"code": "APPLICATION_FORM"}, {"code": ""}, {"code": "NOT_ON_LIST"}, "x",
                         {"code": "ID_COPY", "copies": 0, "original": "yes"}, {"code": "APPLICATION_FORM"}]
    body["pledges"] = [{"material_code": "FLOOR_PLAN", "due_date": "2026-11-23"},
                       {"material_code": "APPLICATION_FORM", "due_date": "2026-12-01"},
                       {"material_code": "NOPE", "due_date": "12/01/2026"}, 7]
    errors = fields_of(body, public_place)
    assert set(errors) == {
        "channel", "owner_account", "applicant.name", "applicant.id_number", "applicant.phone",
        "materials[1].code", "materials[2].code", "materials[3]", "materials[4].copies", "materials[4].original",
        "materials[5].code", "pledges[0].due_date", "pledges[1].material_code", "pledges[2].material_code",
        "pledges[2].due_date", "pledges[3]",
    }
    assert errors["applicant.id_number"] == "身份证号码校验码错误"
    assert "重复" in errors["materials[5].code"]
    assert "不适用告知承诺" in errors["pledges[1].material_code"]
    assert "晚于今天" in errors["pledges[0].due_date"]


def test_enterprise_fields_are_checked(person_body, public_place):
    person_body["applicant"] = {"type": "enterprise", "name": "", "credit_code": "91350100M000100Y44",
                                "phone": "13912345678"}
    errors = fields_of(person_body, public_place)
    assert set(errors) == {"applicant.name", "applicant.credit_code", "applicant.legal_representative"}


def test_unknown_item_is_a_field_error_with_the_others(person_body):
    person_body["item_code"] = "HEALTH-NO-SUCH"
    person_body["applicant"]["phone"] = "1"
    errors = fields_of(person_body, None)
    assert set(errors) == {"item_code", "applicant.phone"}
    assert "HEALTH-NO-SUCH" in errors["item_code"]


@pytest.mark.parametrize("applicant, field", [(None, "applicant"), ({"type": "robot"}, "applicant.type")])
def test_applicant_must_be_a_person_or_enterprise(person_body, public_place, applicant, field):
    person_body["applicant"] = applicant
    assert field in fields_of(person_body, public_place)


def test_missing_item_code_and_body_not_an_object(public_place):
    assert "item_code" in fields_of({"channel": "window"}, public_place)
    with pytest.raises(InvalidInput):
        validate_application(["not", "an", "object"], public_place, TODAY)


def test_messages_are_chinese(person_body, public_place):
    person_body["channel"] = None
    person_body["applicant"]["phone"] = None
    for message in fields_of(person_body, public_place).values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_a_valid_pledge_is_kept(person_body, public_place):
    person_body["pledges"] = [{"material_code": "HYGIENE_RULES", "due_date": "2026-12-20"}]
    assert validate_application(person_body, public_place, TODAY)["pledges"] == person_body["pledges"]


def test_materials_and_pledges_may_be_absent(person_body, public_place):
    del person_body["materials"], person_body["pledges"]
    cleaned = validate_application(person_body, public_place, TODAY)
    assert cleaned["materials"] == [] and cleaned["pledges"] == []


def test_validate_materials_for_a_supplement(public_place):
    errors = []
    assert validate_materials("nope", public_place, errors) == [] and errors[0]["field"] == "materials"
    errors = []
    handed = validate_materials([{"code": "FLOOR_PLAN"}, {"code": "X"}], public_place, errors)
    assert handed == [{"code": "FLOOR_PLAN"}] and [e["field"] for e in errors] == ["materials[1].code"]
