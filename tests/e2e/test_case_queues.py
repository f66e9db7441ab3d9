"""The case list over real HTTP: cursor paging sees every case exactly once while cases change
(marked urgent, extended, accepted out of pre-review, new ones arriving); queues and supervision."""
import uuid

import pytest
from test_platform import ADMIN_PASSWORD, DEMO_PASSWORD, Api, eventually, id_number, once_opened

pytestmark = pytest.mark.e2e

ITEM = "HEALTH-PUBLIC-PLACE-NEW"


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack.gateway_url)


def submit(api, user, seq="611"):
    """A complete application on the filer's own channel: a clerk's at the window (accepted), an applicant's
    online (pre-review)."""
    item = api.get(f"/v1/items/{ITEM}").json()
    response = user.post("/v1/applications", headers={"Idempotency-Key": uuid.uuid4().hex}, json={
        "item_code": ITEM,
        "applicant": {"type": "person", "name": "吴十", "id_number": id_number(seq=seq), "phone": "13512345678"},
        "materials": [{"code": m["code"]} for m in item["materials"] if m["required"]]})
    assert response.status_code == 201, response.text
    return response.json()["case_no"]


def test_paging_sees_every_case_once_while_cases_change(api):
    clerk, supervisor, admin = api.as_user("clerk1"), api.as_user("supervisor1"), api.as_user("health_admin")
    username = f"queue_{uuid.uuid4().hex[:8]}"
    assert api.post("/v1/accounts/register", json={"username": username, "password": DEMO_PASSWORD,
                                                   "display_name": "吴十", "phone": "13512345678"}).status_code == 201
    applicant = api.as_user(username)
    accepted = [submit(api, clerk) for _ in range(6)]
    pending = [submit(api, applicant, seq="612") for _ in range(2)]
    for case_no in accepted:  # approval has opened it (its view names who holds the case)
        eventually(lambda case_no=case_no: "holder" in clerk.get(f"/v1/cases/{case_no}").json())
    mine = set(accepted + pending)

    seen, cursor, pages, changed = [], None, 0, False
    while True:
        query = "/v1/cases?limit=4" + (f"&cursor={cursor}" if cursor else "")
        response = clerk.get(query)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [case["case_no"] for case in page["cases"]]
        pages += 1
        if not changed:  # after the first page: move cases around and add new ones
            changed = True
            unseen = [c for c in accepted if c not in seen]
            assert supervisor.transition(unseen[-1], "mark_urgent").status_code == 200
            extended = seen[0] if seen[0] in accepted else accepted[0]
            assert admin.transition(extended, "extend", reason="需补充调查").status_code == 200
            assert clerk.transition(pending[0], "accept").status_code == 200
            submit(api, clerk)
        cursor = page["next_cursor"]
        if not cursor:
            break
        assert pages < 500
    assert len(seen) == len(set(seen)), "a case was listed twice"
    assert mine <= set(seen), f"cases missed: {mine - set(seen)}"

    # a fresh listing puts the urgent case first and shows each case's supervision and allowed actions
    first = clerk.get("/v1/cases?limit=50").json()["cases"]
    assert first[0]["urgent"] is True
    assert all(case["supervision"]["state"] in ("green", "yellow", "red") for case in first)
    assert all("allowed_actions" in case for case in first)


def test_filters_and_who_sees_what(api):
    clerk = api.as_user("clerk1")
    case_no = submit(api, clerk, seq="613")
    once_opened(lambda: clerk.transition(case_no, "start_review"))
    in_review = clerk.get("/v1/cases?status=in_review&limit=200").json()["cases"]
    assert case_no in {c["case_no"] for c in in_review} and {c["status"] for c in in_review} == {"in_review"}
    chief_queue = api.as_user("chief1").get("/v1/cases?queue=mine&limit=200").json()["cases"]
    assert all(c["allowed_actions"] for c in chief_queue)
    market = api.as_user("market_clerk1").get("/v1/cases?limit=200").json()["cases"]
    assert case_no not in {c["case_no"] for c in market}
    bad = clerk.get("/v1/cases?supervision=purple&queue=theirs&cursor=zzz")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"supervision", "queue"}
    board = api.as_user("supervisor1").get("/v1/supervision")
    assert board.status_code == 200 and set(board.json()) == {"yellow", "red"}
    assert api.as_user("market_clerk1").get("/v1/supervision?department=health").status_code == 403


def test_a_year_without_data_then_entered_through_the_gateway(api):
    """A joint case's statutory limit (45 working days) reaches into next year: estimated on weekdays
    until the centre admin enters the year; then every open case is counted again."""
    clerk, admin = api.as_user("clerk1"), api.as_user("admin", ADMIN_PASSWORD)
    item = api.get("/v1/items/HEALTH-HOTEL-JOINT").json()
    submitted = clerk.post("/v1/applications", headers={"Idempotency-Key": uuid.uuid4().hex}, json={
        "item_code": "HEALTH-HOTEL-JOINT", "channel": "window",
        "applicant": {"type": "person", "name": "郑一", "id_number": id_number(seq="714"), "phone": "13412345678"},
        "materials": [{"code": m["code"]} for m in item["materials"] if m["required"]]})
    case_no = submitted.json()["case_no"]
    eventually(lambda: "holder" in clerk.get(f"/v1/cases/{case_no}").json())
    before = clerk.get(f"/v1/cases/{case_no}").json()["deadlines"]
    next_year = int(before["statutory"][:4])
    if api.get(f"/v1/calendar/{next_year}").json()["source"] != "weekdays":
        pytest.skip(f"{next_year} already has calendar data")
    assert before["estimated"] is True
    path = f"/v1/calendar/{next_year}"
    assert admin.request("PUT", path, json={"holidays": ["x"], "workdays": []}).status_code == 422
    assert clerk.request("PUT", path, json={"holidays": [], "workdays": []}).status_code == 403
    holidays = [f"{next_year}-01-0{d}" for d in range(1, 8)]
    entered = admin.request("PUT", f"/v1/calendar/{next_year}", json={"holidays": holidays, "workdays": []})
    assert entered.status_code == 200 and entered.json()["source"] == "admin", entered.text
    after = clerk.get(f"/v1/cases/{case_no}").json()["deadlines"]
    assert after["estimated"] is False and after["statutory"] > before["statutory"]
    assert api.get(f"/v1/calendar/{next_year}").json()["holidays"] == holidays
