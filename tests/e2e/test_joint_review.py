"""A joint case (联办件) over real HTTP: every named department signs before the decision."""
import pytest
from test_platform import Api, id_number, once_opened

pytestmark = pytest.mark.e2e

JOINT_ITEM = "HEALTH-HOTEL-JOINT"


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack.gateway_url)


def test_joint_case_moves_on_only_when_every_department_has_signed(api):
    clerk, market_clerk, chief = api.as_user("clerk1"), api.as_user("market_clerk1"), api.as_user("chief1")
    item = api.get(f"/v1/items/{JOINT_ITEM}").json()
    assert item["case_kind"] == "joint"
    submitted = clerk.post("/v1/applications", json={
        "item_code": JOINT_ITEM, "channel": "window",
        "applicant": {"type": "person", "name": "孙八", "id_number": id_number(seq="417"), "phone": "13612345678"},
        "materials": [{"code": m["code"]} for m in item["materials"] if m["required"]]})
    assert submitted.status_code == 201 and submitted.json()["status"] == "accepted", submitted.text
    case_no = submitted.json()["case_no"]

    started = once_opened(lambda: clerk.transition(case_no, "start_review"))
    assert started.status_code == 200 and started.json()["status"] == "joint_review", started.text
    assert started.json()["joint"] == {"departments": ["health", "market"], "signed": []}
    assert chief.transition(case_no, "approve").status_code == 409  # not before every signature

    market_signed = market_clerk.transition(case_no, "sign_joint", comment="同意")
    assert market_signed.status_code == 200 and market_signed.json()["status"] == "joint_review", market_signed.text
    assert market_clerk.transition(case_no, "sign_joint").status_code == 409  # signs once
    assert market_clerk.transition(case_no, "approve").status_code == 403  # signing is all it may do

    health_signed = clerk.transition(case_no, "sign_joint")
    assert health_signed.status_code == 200 and health_signed.json()["status"] == "in_review"
    assert health_signed.json()["joint"]["signed"] == ["market", "health"]
    assert clerk.transition(case_no, "record_inspection", result="passed").status_code == 200
    approved = chief.transition(case_no, "approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
