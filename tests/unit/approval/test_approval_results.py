"""结果公示 and 存量证照 registration: plain rules."""
import datetime as dt

import pytest

from services.approval import existing_licences, results
from services.common.errors import Forbidden, InvalidInput

ITEM = {"code": "HEALTH-PUBLIC-PLACE-NEW", "name": "公共场所卫生许可（新办）", "department": "health",
        "department_name": "卫生健康委员会", "licence": {"name": "公共场所卫生许可证", "valid_years": 4}}
ADMIN = {"username": "health_admin", "role": "department_admin", "department": "health"}


def test_a_result_masks_a_person_and_shows_an_enterprise():
    case = {"case_no": "C1", "item_code": "I", "item_name": "事项", "department": "health",
            "applicant": {"type": "person", "name": "张三丰", "id_number": "110***1234", "phone": "139****5678"},
            "decision": {"result": "approved", "decided_on": "2026-11-20"}, "certificate_no": "N-1"}
    shown = results.public_result(case)
    assert shown == {"case_no": "C1", "item_code": "I", "item_name": "事项", "department": "health",
                     "holder": "张**", "decision": "approved", "decision_name": "准予许可",
                     "decided_on": "2026-11-20", "certificate_no": "N-1"}
    enterprise = {**case, "applicant": {"type": "enterprise", "name": "南湖宾馆有限公司"}}
    assert results.public_result(enterprise)["holder"] == "南湖宾馆有限公司"


def test_the_results_query_is_checked():
    assert results.check_query("health", "2026-11-01", None, 10) == {
        "department": "health", "from": "2026-11-01", "to": None, "limit": 10}
    with pytest.raises(InvalidInput) as raised:
        results.check_query(None, "2026-13-01", "2026-01-01", 0)
    assert {e["field"] for e in raised.value.errors} == {"from", "limit"}
    with pytest.raises(InvalidInput):
        results.check_query(None, "2026-02-01", "2026-01-01", 5)


def test_a_registration_is_checked_and_belongs_to_the_department():
    body = {"holder_name": " 南湖宾馆 ", "holder_type": "enterprise", "valid_from": "2022-01-01",
            "valid_until": "2025-12-31"}
    checked = existing_licences.check_registration(body, ITEM, ADMIN)
    assert checked["holder_name"] == "南湖宾馆"
    with pytest.raises(InvalidInput) as raised:
        existing_licences.check_registration({**body, "valid_until": "2021-01-01", "holder_type": "x"}, None, ADMIN)
    assert {e["field"] for e in raised.value.errors} == {"item_code", "valid_until", "holder_type"}
    with pytest.raises(Forbidden):
        existing_licences.check_registration(body, ITEM, {**ADMIN, "department": "market"})
    with pytest.raises(InvalidInput):
        existing_licences.check_registration(body, {**ITEM, "licence": None}, ADMIN)
    certificate = existing_licences.registered_certificate("N-9", checked, ITEM, ADMIN, "t", dt.date(2026, 1, 1))
    assert certificate["case_no"] is None and certificate["licence_name"] == "公共场所卫生许可证"
    assert certificate["history"][0]["action"] == "register" and certificate["status"] == "valid"
