"""A licence's whole life and the public window over real HTTP: issue, renew (on time and too late),
change, replace, revoke, cancel with the public view and history after each; formal documents as PDF;
progress and rating by query code without an account; 结果公示; catalogue edits by department."""
import datetime as dt
import subprocess
import uuid

import pytest
import requests
from test_platform import ADMIN_PASSWORD, DEMO_PASSWORD, Api, eventually, id_number, once_opened

pytestmark = pytest.mark.e2e

PHONE = "13912345678"
ID_NUMBER = id_number("19850312", "001")


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack.gateway_url)


@pytest.fixture(scope="module")
def staff(api):
    return {"clerk": api.as_user("clerk1"), "chief": api.as_user("chief1"), "admin": api.as_user("health_admin")}


@pytest.fixture(scope="module")
def holder(api):
    username = f"lic_{uuid.uuid4().hex[:8]}"
    registered = api.post("/v1/accounts/register", json={
        "username": username, "password": DEMO_PASSWORD, "display_name": "王小明", "phone": PHONE})
    assert registered.status_code == 201, registered.text
    user = api.as_user(username)
    user.username = username
    return user


def materials(api, item_code):
    item = api.get(f"/v1/items/{item_code}").json()
    return [{"code": m["code"]} for m in item["materials"] if m["required"]]


def apply(user, api, item_code, certificate_no=None, channel="window", **extra):
    body = {"item_code": item_code, "channel": channel, "materials": materials(api, item_code),
            "applicant": {"type": "person", "name": "王小明", "id_number": ID_NUMBER, "phone": PHONE}, **extra}
    if certificate_no:
        body["certificate_no"] = certificate_no
    return user.post("/v1/applications", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})


def apply_for(holder, staff, api, item_code, certificate_no=None):
    """The holder's application, filed by the window clerk for them (they own the case and hear of it)."""
    return apply(staff["clerk"], api, item_code, certificate_no, owner_account=holder.username)


def issue(staff, case_no, inspect=False):
    """Review, decide and issue: the licence's number."""
    started = once_opened(lambda: staff["clerk"].transition(case_no, "start_review"))
    assert started.status_code == 200, started.text
    if inspect:
        assert staff["clerk"].transition(case_no, "record_inspection", result="passed").status_code == 200
    approved = staff["chief"].transition(case_no, "approve", comment="符合条件")
    assert approved.status_code == 200, approved.text
    issued = staff["chief"].transition(case_no, "issue_certificate")
    assert issued.status_code == 200, issued.text
    return issued.json()["certificate_no"]


def public(api, number):
    response = requests.get(f"{api.base}/v1/certificates/{number}", timeout=30)
    assert response.status_code == 200, response.text
    assert ID_NUMBER not in response.text and PHONE not in response.text
    return response.json()


def register(staff, holder, days_left):
    today = dt.date.today()
    registered = staff["admin"].post("/v1/certificates", json={
        "item_code": "HEALTH-PUBLIC-PLACE-NEW", "holder_name": "南湖宾馆有限公司", "holder_type": "enterprise",
        "valid_from": (today - dt.timedelta(days=1400)).isoformat(),
        "valid_until": (today + dt.timedelta(days=days_left)).isoformat(),
        "legacy_no": "商卫公字〔2022〕第0012号", "owner_account": holder.username})
    assert registered.status_code == 201, registered.text
    return registered.json()["certificate_no"]


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


def test_new_licence_documents_progress_results_and_rating(api, staff, holder, tmp_path):
    submitted = apply(staff["clerk"], api, "HEALTH-PUBLIC-PLACE-NEW")   # a walk-in applicant at the window
    assert submitted.status_code == 201, submitted.text
    case_no, code = submitted.json()["case_no"], submitted.json()["query_code"]
    assert len(code) == 8 and code in submitted.json()["notice"]["text"]

    # progress by query code, no account, no personal data; wrong code = unknown case
    progress = api.get(f"/v1/progress/{case_no}", params={"code": code})
    assert progress.status_code == 200, progress.text
    assert progress.json()["status"] == "accepted" and progress.json()["item_name"]
    assert {"case_no", "item_name", "status", "deadlines", "updated_at"} <= set(progress.json())
    for secret in (ID_NUMBER, PHONE, "王小明", "*" + ID_NUMBER[-4:]):  # not even the masked tail
        assert secret not in progress.text
    wrong = api.get(f"/v1/progress/{case_no}", params={"code": "WRONG234"})
    unknown = api.get("/v1/progress/411400-HEALTH-20000101-99999", params={"code": code})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json()["title"] == unknown.json()["title"]

    number = issue(staff, case_no, inspect=True)
    view = public(api, number)
    assert view["status"] == "valid" and [h["action"] for h in view["history"]] == ["new"]

    # documents: acceptance notice, decision, licence, each a Chinese PDF with the case number
    listed = staff["clerk"].get(f"/v1/cases/{case_no}/documents")
    assert listed.status_code == 200, listed.text
    kinds = {d["kind"]: d for d in listed.json()["documents"]}
    assert set(kinds) == {"acceptance_notice", "approval_decision", "licence"}
    wording = {"acceptance_notice": ("受理通知书", "予以受理", code), "approval_decision": ("准予行政许可决定书",
               "第三十八条第一款"), "licence": ("公共场所卫生许可证", number, "/verify/" + number)}
    for kind, expected in wording.items():
        response = staff["clerk"].get(kinds[kind]["url"])
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
        text = pdf_text(response.content).replace("\n", "")
        for phrase in (case_no, "商丘市政务服务中心", "卫生健康委员会", *expected):
            assert phrase in text, (kind, phrase)
        assert ID_NUMBER not in text and PHONE not in text
        (tmp_path / f"{kind}.pdf").write_bytes(response.content)
    rendered = subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(tmp_path / "licence.pdf"),
                               str(tmp_path / "licence")], capture_output=True)
    assert rendered.returncode == 0 and (tmp_path / "licence-1.png").stat().st_size > 5000
    by_code = api.get(f"/v1/cases/{case_no}/documents/acceptance_notice", params={"code": code})
    assert by_code.status_code == 200 and by_code.content.startswith(b"%PDF")
    assert api.get(f"/v1/cases/{case_no}/documents").status_code == 401

    # 结果公示: the decision with the holder masked
    def published():
        results = api.get("/v1/results", params={"department": "health"})
        assert results.status_code == 200, results.text
        return next((r for r in results.json()["results"] if r["case_no"] == case_no), None), results.text

    (result, text) = published()
    assert result["holder"] == "王**" and result["decision"] == "approved" and result["certificate_no"] == number
    assert ID_NUMBER not in text and PHONE not in text and "王小明" not in text

    # rating at the hall's device with the query code, once
    def rate(level_code):
        return api.post(f"/v1/cases/{case_no}/rating", params={"code": level_code},
                        json={"level": 5, "channel": "window"})

    assert rate("WRONG234").status_code == 404
    rated = eventually(lambda: (r := rate(code)).status_code != 409 and r)
    assert rated.status_code == 201, rated.text
    assert rate(code).status_code == 409


def test_query_code_is_for_the_case_not_for_everyone(api, staff, holder):
    submitted = apply_for(holder, staff, api, "HEALTH-PUBLIC-PLACE-NEW")
    assert submitted.status_code == 201, submitted.text
    case_no = submitted.json()["case_no"]
    assert holder.get(f"/v1/cases/{case_no}").json()["query_code"] == submitted.json()["query_code"]
    supervised = api.as_user("supervisor1").get(f"/v1/cases/{case_no}")
    assert supervised.status_code == 200 and "query_code" not in supervised.json()
    assert submitted.json()["query_code"] not in supervised.text
    # guessing is limited: after 10 wrong codes even the right one waits
    answers = [api.get(f"/v1/progress/{case_no}", params={"code": f"GUESS{i:03d}"}).status_code for i in range(10)]
    # never the case; 429 early when earlier tests' wrong codes from this same address reached its limit
    assert set(answers) <= {404, 429}
    limited = api.get(f"/v1/progress/{case_no}", params={"code": submitted.json()["query_code"]})
    assert limited.status_code == 429


def test_renew_on_time_and_too_late_then_change_replace_revoke_cancel(api, staff, holder):
    late = register(staff, holder, 20)
    refused = apply_for(holder, staff, api, "HEALTH-PUBLIC-PLACE-RENEW", late)
    assert refused.status_code == 422, refused.text
    (error,) = [e for e in refused.json()["errors"] if e["field"] == "certificate_no"]
    assert "三十日前" in error["message"]
    assert public(api, late)["status"] == "valid"

    # renewal on time: the new licence continues the old one, which is replaced
    old = register(staff, holder, 60)
    renewal = apply_for(holder, staff, api, "HEALTH-PUBLIC-PLACE-RENEW", old)
    assert renewal.status_code == 201 and renewal.json()["status"] == "accepted", renewal.text
    renewed = issue(staff, renewal.json()["case_no"])
    before, after = public(api, old), public(api, renewed)
    assert before["status"] == "replaced" and before["replaced_by"] == renewed
    assert [h["action"] for h in before["history"]] == ["register", "replaced"]
    assert after["replaces"] == old and after["status"] == "valid"
    assert after["valid_from"] == (dt.date.fromisoformat(before["valid_until"]) + dt.timedelta(days=1)).isoformat()

    # change (变更): same expiry, the renewed licence replaced
    change = apply_for(holder, staff, api, "HEALTH-PUBLIC-PLACE-CHANGE", renewed)
    assert change.status_code == 201, change.text
    changed = issue(staff, change.json()["case_no"])
    assert public(api, renewed)["status"] == "replaced"
    assert public(api, changed)["valid_until"] == after["valid_until"]
    assert public(api, changed)["replaces"] == renewed

    # replacement (补办) of a lost licence
    replacement = apply_for(holder, staff, api, "HEALTH-PUBLIC-PLACE-REPLACE", changed)
    assert replacement.status_code == 201, replacement.text
    replaced = issue(staff, replacement.json()["case_no"])
    view = public(api, replaced)
    assert view["replaces"] == changed and public(api, changed)["replaced_by"] == replaced
    assert apply_for(holder, staff, api, "HEALTH-PUBLIC-PLACE-CHANGE", changed).status_code == 422  # no longer in force

    # revocation (撤销): staff of the issuing department only, with a reason
    market = api.as_user("market_clerk1")
    assert market.post(f"/v1/certificates/{replaced}/transitions",
                       json={"action": "revoke", "reason": "越权"}).status_code == 403
    no_reason = staff["chief"].post(f"/v1/certificates/{replaced}/transitions", json={"action": "revoke"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    revoked = staff["chief"].post(f"/v1/certificates/{replaced}/transitions",
                                  json={"action": "revoke", "reason": "以欺骗手段取得许可"})
    assert revoked.status_code == 200, revoked.text
    view = public(api, replaced)
    assert view["status"] == "revoked" and view["history"][-1]["reason"] == "以欺骗手段取得许可"
    again = staff["chief"].post(f"/v1/certificates/{replaced}/transitions", json={"action": "cancel", "reason": "x"})
    assert again.status_code == 409

    # cancellation (注销)
    cancelled = staff["clerk"].post(f"/v1/certificates/{late}/transitions",
                                    json={"action": "cancel", "reason": "经营者申请停业"})
    assert cancelled.status_code == 200, cancelled.text
    view = public(api, late)
    assert view["status"] == "cancelled" and [h["action"] for h in view["history"]] == ["register", "cancel"]

    # the holder heard of it
    def told():
        notes = holder.get("/v1/me/notifications").json()["notifications"]
        return {n["event"] for n in notes} >= {"certificate_status_changed", "certificate_issued"}

    eventually(told)


def test_catalogue_edits_by_the_items_department(api, staff):
    admin = api.as_user("admin", ADMIN_PASSWORD)
    name = f"market_admin_{uuid.uuid4().hex[:6]}"
    created = admin.post("/v1/accounts", json={"username": name, "password": DEMO_PASSWORD, "role": "department_admin",
                                               "display_name": "市监管理员", "department": "market"})
    assert created.status_code == 201, created.text
    market_admin = api.as_user(name)
    code = "HEALTH-DISINFECT-RENEW"
    before = api.get(f"/v1/items/{code}").json()
    forbidden = market_admin.request("PUT", f"/v1/items/{code}", json={"promised_days": 3})
    assert forbidden.status_code == 403, forbidden.text
    assert api.get(f"/v1/items/{code}").json() == before

    too_long = staff["admin"].request("PUT", f"/v1/items/{code}", json={"promised_days": before["statutory_days"] + 1})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "promised_days"
    edited = staff["admin"].request("PUT", f"/v1/items/{code}", json={"promised_days": before["promised_days"] - 1})
    assert edited.status_code == 200 and edited.json()["version"] == before["version"] + 1
    versions = api.get(f"/v1/items/{code}/versions").json()["versions"]
    assert versions[0]["changed_by"] == "health_admin" and versions[0]["changed_at"]
    assert versions[0]["changes"] == [{"field": "promised_days", "from": before["promised_days"],
                                       "to": before["promised_days"] - 1}]

    new_item = {**before, "code": f"MARKET-TEST-{uuid.uuid4().hex[:6].upper()}", "department": "market",
                "name": "测试事项（新办）"}
    for key in ("version", "department_name"):
        new_item.pop(key)
    assert staff["admin"].post("/v1/items", json=new_item).status_code == 403
    made = market_admin.post("/v1/items", json=new_item)
    assert made.status_code == 201 and made.json()["department_name"] == "市场监督管理局", made.text
    departments = api.get("/v1/departments").json()["departments"]
    assert {d["code"] for d in departments} == {"health", "market"}


def test_approval_killed_between_issuing_and_filing_leaves_one_outcome(api, stack, staff, holder):
    """The case write carries the certificate; approval dies before anything else happens. After the restart
    the case has its number and the public view shows that very certificate, valid, once."""
    from deploy.localstack import PYTHON, ManagedProcess
    from services.common import contracts
    from services.common.config import database_name
    from services.common.mongo import get_client
    from services.common.outbox import CRASH_BEFORE_PUBLISH

    submitted = apply_for(holder, staff, api, "HEALTH-LICENCE-REPLACE", register(staff, holder, 300))
    assert submitted.status_code == 201, submitted.text
    case_no = submitted.json()["case_no"]
    assert once_opened(lambda: staff["clerk"].transition(case_no, "start_review")).status_code == 200
    assert staff["chief"].transition(case_no, "approve").status_code == 200

    stack.services["approval"].stop()
    crashing = ManagedProcess(
        "approval-crash", [PYTHON, "-m", "services.run", "approval"],
        {**stack.env_for("approval"), CRASH_BEFORE_PUBLISH: contracts.CERTIFICATE_ISSUED},
        stack.var / "logs" / "approval-crash.log")
    crashing.start()
    try:
        eventually(lambda: staff["clerk"].get(f"/v1/cases/{case_no}").status_code == 200, timeout=60)
        died = staff["chief"].transition(case_no, "issue_certificate")
        assert died.status_code == 503, died.text   # the worker died before answering
        eventually(lambda: not crashing.alive(), timeout=20)
        # what the crash left: the case write with its certificate, nothing filed yet
        database = get_client(stack.database_uri("approval"))[database_name("approval", stack.env["MONGO_DB_PREFIX"])]
        stored = database.cases.find_one({"_id": case_no})
        assert stored["status"] == "certificate_issued" and stored["certificate_pending"] is True
        assert database.certificates.count_documents({"case_no": case_no}) == 0
    finally:
        crashing.kill()
        stack.services["approval"] = stack.service_process("approval")
        stack.services["approval"].start()

    case = eventually(lambda: (r := staff["clerk"].get(f"/v1/cases/{case_no}")).status_code == 200 and r.json(),
                      timeout=60)
    assert case["status"] == "certificate_issued" and case["certificate_no"]
    # each gateway worker's circuit to approval closes on its first answer after the restart
    shown = eventually(lambda: (r := requests.get(f"{api.base}/v1/certificates/{case['certificate_no']}",
                                                  timeout=30)).status_code == 200 and r.json(), timeout=30)
    assert shown["status"] == "valid" and shown["case_no"] == case_no
    assert eventually(lambda: staff["chief"].transition(case_no, "issue_certificate").status_code == 409)
    # every gateway worker saw approval fall silent: let each circuit close before the next test
    eventually(lambda: all(staff["clerk"].get(f"/v1/cases/{case_no}").status_code == 200 for _ in range(12)),
               timeout=60)


def test_one_time_refusal_and_denial_documents(api, staff, holder):
    """The other three formal documents, each a Chinese PDF with its case number."""
    def document(case_no, kind, *phrases):
        listed = staff["clerk"].get(f"/v1/cases/{case_no}/documents").json()["documents"]
        url = next(d["url"] for d in listed if d["kind"] == kind)
        response = staff["clerk"].get(url)
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
        text = pdf_text(response.content).replace("\n", "")
        for phrase in (case_no, "卫生健康委员会", *phrases):
            assert phrase in text, (kind, phrase)
        assert ID_NUMBER not in text and PHONE not in text

    incomplete = apply(staff["clerk"], api, "HEALTH-PUBLIC-PLACE-NEW", materials=[{"code": "APPLICATION_FORM"}])
    assert incomplete.status_code == 201 and incomplete.json()["status"] == "awaiting_supplement", incomplete.text
    waiting = incomplete.json()["case_no"]
    document(waiting, "one_time_notice", "一次性告知书", "补正", "营业执照复印件")
    refused = staff["clerk"].transition(waiting, "refuse", comment="申请事项不属于本机关职权范围")
    assert refused.status_code == 200, refused.text
    document(waiting, "refusal_notice", "不予受理通知书", "不属于本机关职权范围", "行政复议")

    submitted = apply_for(holder, staff, api, "HEALTH-PUBLIC-PLACE-NEW")
    case_no = submitted.json()["case_no"]
    assert once_opened(lambda: staff["clerk"].transition(case_no, "start_review")).status_code == 200
    denied = staff["chief"].transition(case_no, "deny", comment="现场卫生条件不符合卫生标准")
    assert denied.status_code == 200, denied.text
    document(case_no, "denial_decision", "不予行政许可决定书", "现场卫生条件不符合卫生标准", "六十日内", "六个月内")


def test_a_cancellation_application_once_approved_cancels_the_licence(api, staff, holder):
    number = register(staff, holder, 400)
    applied = apply_for(holder, staff, api, "HEALTH-PUBLIC-PLACE-CANCEL", number)
    assert applied.status_code == 201 and applied.json()["status"] == "accepted", applied.text
    case_no = applied.json()["case_no"]
    assert once_opened(lambda: staff["clerk"].transition(case_no, "start_review")).status_code == 200
    approved = staff["chief"].transition(case_no, "approve")
    assert approved.status_code == 200, approved.text
    view = public(api, number)
    assert view["status"] == "cancelled" and case_no in view["history"][-1]["reason"]
    assert staff["clerk"].transition(case_no, "deliver").json()["status"] == "closed"
