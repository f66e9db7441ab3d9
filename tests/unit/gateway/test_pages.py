"""Pages over a FakeRpc: what they show, the session (login, CSRF, idle timeout, logout), what they send."""
import json
import re
from pathlib import Path

import pytest
from gateway_fakes import PASSWORD

from gateway.pages import charts
from gateway.pages.dashboard import category_volumes
from gateway.pages.queue import queue_order
from gateway.pages.sessions import COOKIE, LOGIN_COOKIE
from services.common.errors import Forbidden

ITEMS = json.loads((Path(__file__).resolve().parents[3] / "services/intake/seed_catalogue.json").read_text())["items"]
CASE_NO = "411400-HEALTH-20260105-0001"


def case_view(**extra):
    return {"case_no": CASE_NO, "item_code": "HEALTH-PUBLIC-PLACE-NEW", "item_name": "公共场所卫生许可（新办）",
            "department": "health", "channel": "window", "status": "in_review", "owner": "zhangsan",
            "submitted_by": "clerk1",
            "applicant": {"type": "person", "name": "王五", "id_number": "110105********002X"},
            "missing": [], "deadlines": {"promised": "2026-01-20", "statutory": "2026-02-02"},
            "clock": {"paused": False, "used_working_days": 3},
            "history": [{"at": "2026-01-05T01:00:00+00:00", "status": "accepted", "action": "accept",
                         "actor_role": "clerk", "actor": "clerk1"}],
            "notice": {"kind": "acceptance_notice", "number": f"SL-{CASE_NO}", "date": "2026-01-05",
                       "text": "王五：\n决定予以受理。"}, **extra}


@pytest.fixture
def catalogue(rpc):
    rpc.on("intake", "list_items", lambda department=None, category=None:
           [i for i in ITEMS if department in (None, i["department"])])
    rpc.on("intake", "get_item", lambda code, version=None: next(i for i in ITEMS if i["code"] == code))
    return rpc


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def post_form(client, path, cookies, **fields):
    from urllib.parse import urlencode
    return client.simulate_post(path, cookies=cookies, body=urlencode(fields, doseq=True),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_catalogue_groups_items_and_searches_by_name(client, catalogue):
    page = client.simulate_get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "卫生健康委员会" in page.text and "公共场所卫生许可（新办）" in page.text
    found = client.simulate_get("/", params={"q": "饮用水"})
    assert "生活饮用水" in found.text and "公共场所卫生许可（新办）" not in found.text


def test_item_page_shows_every_fact_and_the_checklist(client, catalogue):
    page = client.simulate_get("/items/HEALTH-PUBLIC-PLACE-NEW")
    item = next(i for i in ITEMS if i["code"] == "HEALTH-PUBLIC-PLACE-NEW")
    for text in (item["legal_basis"], item["fee"], "承诺办结时限", *(m["name"] for m in item["materials"])):
        assert text in page.text


def test_a_missing_api_is_said_plainly(client, rpc):
    page = client.simulate_get("/results")
    assert page.status_code == 200 and "暂不可用" in page.text


def test_staff_pages_send_anonymous_people_to_login(client):
    answer = client.simulate_get("/workbench")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=%2Fworkbench")


def test_login_needs_the_form_token_and_a_right_password(client, make_account):
    make_account("clerk9", "clerk", "health")
    form = client.simulate_get("/login")
    token = form.cookies[LOGIN_COOKIE].value
    no_token = post_form(client, "/login", {LOGIN_COOKIE: token}, username="clerk9", password=PASSWORD)
    assert no_token.status_code == 400 and COOKIE not in no_token.cookies
    wrong = post_form(client, "/login", {LOGIN_COOKIE: token}, username="clerk9", password="nope-nope",
                      login_token=token)
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text


def test_other_roles_are_refused_the_workbench(client, browser_login):
    cookies = browser_login("zhangsan", "applicant")
    answer = client.simulate_get("/workbench", cookies=cookies)
    assert answer.status_code == 403 and "无权" in answer.text


def test_case_page_offers_exactly_the_allowed_actions_and_posts_one(client, rpc, browser_login):
    cookies = browser_login("chief9", "chief_rep", "health")
    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view(allowed_actions=["approve", "deny"]))
    rpc.on("approval", "transition", lambda case_no, action, actor, params: case_view(status="approved"))
    page = client.simulate_get(f"/workbench/cases/{CASE_NO}", cookies=cookies)
    assert page.status_code == 200
    assert re.findall(r'data-action="([a-z_]+)"', page.text) == ["approve", "deny"]
    done = post_form(client, f"/workbench/cases/{CASE_NO}/actions", cookies, csrf=csrf_of(page.text),
                     action="deny", reason="场所不符合卫生要求")
    assert done.status_code == 303 and done.headers["location"].endswith("?done=deny")
    call = rpc.calls_to("approval", "transition")[0]
    assert call["args"][1] == "deny" and call["args"][3] == {"reason": "场所不符合卫生要求"}


def test_a_refused_action_shows_the_reason(client, rpc, browser_login):
    cookies = browser_login("chief8", "chief_rep", "health")
    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view(allowed_actions=["approve"]))
    rpc.on("approval", "transition", Forbidden("超出授权书范围：未授权准予许可"))
    page = client.simulate_get(f"/workbench/cases/{CASE_NO}", cookies=cookies)
    answer = post_form(client, f"/workbench/cases/{CASE_NO}/actions", cookies, csrf=csrf_of(page.text),
                       action="approve")
    assert answer.status_code == 403 and "超出授权书范围" in answer.text


def test_a_post_without_the_csrf_token_changes_nothing(client, rpc, browser_login):
    cookies = browser_login("chief7", "chief_rep", "health")
    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view(allowed_actions=["approve"]))
    answer = post_form(client, f"/workbench/cases/{CASE_NO}/actions", cookies, csrf="forged", action="approve")
    assert answer.status_code == 403 and "CSRF" in answer.text
    assert rpc.calls_to("approval", "transition") == []


def test_an_idle_session_ends(client, browser_login, store):
    cookies = browser_login("clerk7", "clerk", "health")
    store.accounts.database.page_sessions.update_many({}, {"$inc": {"last_seen": -3600}})
    answer = client.simulate_get("/workbench", cookies=cookies)
    assert answer.status_code == 303 and "expired=1" in answer.headers["location"]
    assert "自动退出" in client.simulate_get(answer.headers["location"]).text


def test_logout_ends_the_session(client, rpc, browser_login):
    cookies = browser_login("clerk6", "clerk", "health")
    rpc.on("intake", "list_items", [])
    page = client.simulate_get("/workbench/apply", cookies=cookies)
    assert post_form(client, "/logout", cookies, csrf=csrf_of(page.text)).status_code == 303
    assert client.simulate_get("/workbench", cookies=cookies).status_code == 303


def test_walk_in_application_sends_the_checked_materials_and_shows_the_notice(client, catalogue, browser_login):
    cookies = browser_login("clerk5", "clerk", "health")
    catalogue.on("intake", "submit_application",
                 lambda application, actor, idempotency_key=None: case_view(status="accepted"))
    catalogue.on("approval", "get_case", lambda case_no, actor=None: case_view(status="accepted"))
    form = client.simulate_get("/workbench/apply", params={"item": "HEALTH-PUBLIC-PLACE-NEW"}, cookies=cookies)
    assert "营业执照复印件" in form.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text).group(1)
    answer = post_form(client, "/workbench/apply", cookies, csrf=csrf_of(form.text),
                       item_code="HEALTH-PUBLIC-PLACE-NEW", idempotency_key=key, applicant_type="person",
                       name="王五", id_number="11010519491231002X",
                       phone="13800138000", materials=["APPLICATION_FORM", "ID_COPY"])
    assert answer.status_code == 303 and answer.headers["location"].endswith("/notice")
    call = catalogue.calls_to("intake", "submit_application")[0]
    application, actor = call["args"]
    assert application["channel"] == "window" and actor["username"] == "clerk5"
    assert [m["code"] for m in application["materials"]] == ["APPLICATION_FORM", "ID_COPY"]
    assert call["kwargs"] == {"idempotency_key": key}
    notice = client.simulate_get(answer.headers["location"], cookies=cookies)
    assert "受理通知书" in notice.text and "决定予以受理" in notice.text


def test_queue_order_puts_urgent_then_fewest_days_first():
    cases = [{"case_no": "a", "supervision": {"remaining_working_days": 5, "state": "green"}},
             {"case_no": "b", "supervision": {"remaining_working_days": -1, "state": "red"}},
             {"case_no": "c", "urgent": True, "supervision": {"remaining_working_days": 9}},
             {"case_no": "d"}]
    assert [c["case_no"] for c in queue_order(cases)] == ["c", "b", "a", "d"]


def test_charts_escape_labels_and_describe_the_numbers():
    svg = charts.bar_chart("收件量", [("<卫生>", 3), ("市场", 1)])
    assert "&lt;卫生&gt;" in svg and "<desc>&lt;卫生&gt; 3；市场 1</desc>" in svg
    line = charts.line_chart("趋势", ["10月", "11月"], [("满意率", [None, 0.5])])
    assert "无数据" in line and "50%" in line


def test_volumes_are_added_up_by_the_catalogues_categories():
    by_item = {"HEALTH-PUBLIC-PLACE-NEW": {"received": 3}, "HEALTH-PUBLIC-PLACE-RENEW": {"received": 2},
               "MARKET-FOOD-BUSINESS-NEW": {"received": 4}, "GONE-ITEM": {"received": 1}}
    rows = dict(category_volumes(ITEMS, by_item))
    assert rows["公共场所卫生"] == 5 and rows["食品经营"] == 4 and rows["其他"] == 1
    assert rows["放射卫生"] == 0  # every category of the catalogue is shown, even without cases
    assert list(rows)[:3] == ["公共场所卫生", "食品经营", "其他"]  # busiest first
    assert list(rows)[3:5] == ["生活饮用水卫生", "医疗机构管理"]  # then the catalogue's order
    svg = charts.hbar_chart("本月各类别收件量", list(rows.items()))
    assert "公共场所卫生 5" in svg and svg.count("<rect") == len(rows)


def test_a_centre_admin_creates_an_account_from_its_page(client, browser_login, store):
    cookies = browser_login("admin9", "centre_admin")
    page = client.simulate_get("/workbench/accounts", cookies=cookies)
    answer = post_form(client, "/workbench/accounts", cookies, csrf=csrf_of(page.text), username="clerk42",
                       display_name="窗口 新人", password="Window-2026!", role="clerk", department="health")
    assert answer.status_code == 200 and "已创建账号 clerk42" in answer.text
    assert store.get("clerk42")["role"] == "clerk"
    refused = post_form(client, "/workbench/accounts", cookies, csrf=csrf_of(page.text), username="x",
                        display_name="", password="short", role="clerk")
    assert refused.status_code == 422 and "field-error" in refused.text


def test_admin_pages_are_for_their_roles_only(client, browser_login):
    cookies = browser_login("clerk4", "clerk", "health")
    for path in ("/workbench/accounts", "/workbench/calendar", "/workbench/delegations"):
        assert client.simulate_get(path, cookies=cookies).status_code == 403


def test_a_calendar_with_a_bad_line_is_not_sent(client, rpc, browser_login):
    cookies = browser_login("admin8", "centre_admin")
    rpc.on("approval", "get_calendar_year", lambda year: {"year": year, "estimated": True,
                                                          "holidays": ["2029-01-01"], "workdays": []})
    rpc.on("approval", "set_calendar_year", lambda year, holidays, workdays, actor: {
        "year": year, "estimated": False, "holidays": holidays, "workdays": workdays})
    page = client.simulate_get("/workbench/calendar", params={"year": "2029"}, cookies=cookies)
    bad = post_form(client, "/workbench/calendar", cookies, csrf=csrf_of(page.text), year="2029",
                    holidays="2029-01-01\n10月8日", workdays="")
    assert bad.status_code == 422 and "日期格式须为 YYYY-MM-DD：10月8日" in bad.text
    assert rpc.calls_to("approval", "set_calendar_year") == []
    good = post_form(client, "/workbench/calendar", cookies, csrf=csrf_of(page.text), year="2029",
                     holidays="2029-01-01\r\n2029-10-08 ", workdays="2029-10-10")
    assert good.status_code == 200 and "已保存 2029 年日历" in good.text
    call = rpc.calls_to("approval", "set_calendar_year")[0]
    assert call["args"][:3] == (2029, ["2029-01-01", "2029-10-08"], ["2029-10-10"])


def test_a_letter_form_without_dates_leaves_them_to_the_letter(client, rpc, browser_login):
    cookies = browser_login("market_admin8", "department_admin", "market")
    rpc.on("approval", "list_delegations", lambda department=None: [])
    rpc.on("intake", "list_items", lambda department=None, category=None: [
        i for i in ITEMS if department in (None, i["department"])])
    rpc.on("approval", "issue_delegation", lambda letter, actor: {"id": "L1", **letter, "status": "active"})
    page = client.simulate_get("/workbench/delegations", cookies=cookies)
    answer = post_form(client, "/workbench/delegations", cookies, csrf=csrf_of(page.text), a_account="chief_a8",
                       b_account="chief_b8", valid_from="", valid_until="", items=["MARKET-FOOD-BUSINESS-NEW"],
                       actions=["accept"])
    assert answer.status_code == 200 and "已签发授权书" in answer.text
    letter = rpc.calls_to("approval", "issue_delegation")[0]["args"][0]
    assert "valid_from" not in letter and "valid_until" not in letter
    assert letter["items"] == [{"item_code": "MARKET-FOOD-BUSINESS-NEW", "actions": ["accept"]}]
