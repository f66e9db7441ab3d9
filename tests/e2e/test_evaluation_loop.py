"""Service quality held to account, over real HTTP: a month of cases of every kind
handled by this test's own staff, good and bad ratings, a complaint and a
follow-up walked through every step (every illegal move refused), the ladder,
rankings, and the monthly report in Excel and PDF with the API's numbers.

The e2e database is shared with the other e2e modules, so per-staff metrics
(this module's own clerk and chief) are what is recounted independently from
the case views."""
import datetime as dt
import io
import subprocess
import uuid
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.e2e.scenes import health_team, required_materials
from tests.e2e.test_platform import ADMIN_PASSWORD, DEMO_PASSWORD, Api, eventually, id_number, once_opened

pytestmark = pytest.mark.e2e
# promised items with and without on-site inspection (renewal and replacement need a live certificate)
ITEMS = ("HEALTH-PUBLIC-PLACE-NEW", "HEALTH-WATER-NEW", "HEALTH-MEDICAL-NEW")


@pytest.fixture(scope="module")
def world(stack):
    api = Api(stack.gateway_url)
    admin = api.as_user("admin", ADMIN_PASSWORD)
    # The chief decides as B of a letter of authority (首席代表授权委托书) for this module's items.
    names = health_team(api, admin, "q6", "测试", ITEMS, ("review", "decide", "inspect"), DEMO_PASSWORD)
    users = {name: api.as_user(username) for name, username in names.items()}
    return {"api": api, "admin": admin, "supervisor": api.as_user("supervisor1"), "names": names, **users}


def new_case(world, item, seq):
    submitted = world["applicant"].post("/v1/applications", json={
        "item_code": item, "channel": "online", "materials": required_materials(world["api"], item),
        "applicant": {"type": "person", "name": "赵六", "id_number": id_number(seq=f"{seq:03d}"),
                      "phone": "13712345678"}})
    assert submitted.status_code == 201 and submitted.json()["status"] == "pre_review", submitted.text
    return submitted.json()["case_no"]


def decide(world, case_no, item, result):
    clerk, chief = world["clerk"], world["chief"]
    assert clerk.transition(case_no, "accept").status_code == 200
    started = once_opened(lambda: clerk.transition(case_no, "start_review"))
    assert started.status_code == 200, started.text
    if item in ("HEALTH-PUBLIC-PLACE-NEW", "HEALTH-WATER-NEW", "HEALTH-MEDICAL-NEW"):
        assert clerk.transition(case_no, "record_inspection", result="passed").status_code == 200
    params = {"comment": "材料不符合法定条件"} if result == "deny" else {}
    decided = chief.transition(case_no, result, **params)
    assert decided.status_code == 200, decided.text


def month_now():
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


def staff_metrics(world, who):
    return world["supervisor"].get(f"/v1/metrics?staff={world['names'][who]}&period={month_now()}").json()


def test_a_month_of_cases_ratings_and_complaints_agrees_with_a_recount(world):
    applicant = world["applicant"]
    plan = [(item, result) for item in ITEMS for result in ("approve", "deny", "pending", "refuse")]
    cases = []
    for seq, (item, result) in enumerate(plan, start=100):
        case_no = new_case(world, item, seq)
        if result == "refuse":
            assert world["clerk"].transition(case_no, "refuse", reason="不属于本窗口受理范围").status_code == 200
        elif result == "pending":
            assert world["clerk"].transition(case_no, "accept").status_code == 200
        else:
            decide(world, case_no, item, result)
        cases.append((case_no, result))

    # ratings: good ones, and one bad rating whose follow-up is walked below
    decided = [case_no for case_no, result in cases if result in ("approve", "deny")]
    levels = dict(zip(decided, (5, 4, 3, 5, 1, 2), strict=True))
    for case_no, level in levels.items():
        rated = applicant.post(f"/v1/cases/{case_no}/rating",
                               json={"level": level, **({"comment": "等待太久"} if level <= 2 else {})})
        assert rated.status_code == 201, rated.text
    pending = next(case_no for case_no, result in cases if result == "pending")
    assert applicant.post(f"/v1/cases/{pending}/rating", json={"level": 5}).status_code == 409

    # the independent recount, from the case views
    views = [world["supervisor"].get(f"/v1/cases/{case_no}").json() for case_no, _ in cases]
    accepted = [v for v in views if v["status"] not in ("refused", "pre_review")]
    done = [v for v in views if v["status"] in ("approved", "denied")]
    used = [v["clock"]["used_working_days"] for v in done]
    rated = list(levels.values())
    expected_clerk = {"received": len(accepted), "accepted": len(accepted), "rated": len(rated),
                      "bad_ratings": sum(1 for level in rated if level <= 2),
                      "satisfaction_rate": round(sum(1 for level in rated if level >= 3) / len(rated), 4)}
    expected_chief = {"completed": len(done), "approved": sum(v["status"] == "approved" for v in done),
                      "denied": sum(v["status"] == "denied" for v in done),
                      "on_time_rate": round(sum(v["deadlines"]["promised"] >= v["history"][-1]["at"][:10]
                                                for v in done) / len(done), 4),
                      "avg_working_days": round(sum(used) / len(used), 2)}

    def clerk_figures():
        got = staff_metrics(world, "clerk")
        got["rated"] = got["ratings"]["count"]
        return {k: got[k] for k in expected_clerk} == expected_clerk and got

    clerk = eventually(clerk_figures, timeout=30)
    assert clerk["ratings"]["by_level"] == {str(n): rated.count(n) for n in (5, 4, 3, 2, 1)}
    chief = eventually(lambda: staff_metrics(world, "chief")["completed"] == len(done)
                       and staff_metrics(world, "chief"))
    assert {k: chief[k] for k in expected_chief} == expected_chief
    assert clerk["follow_ups"]["opened"] == 2


def test_follow_up_lifecycle_over_http(world):
    supervisor, applicant = world["supervisor"], world["applicant"]
    listed = eventually(lambda: [f for f in supervisor.get("/v1/follow-ups?department=health&state=open").json()
                                 ["follow_ups"] if f["staff"] == world["names"]["clerk"]])
    follow_up = listed[0]
    url = f"/v1/follow-ups/{follow_up['id']}/transitions"
    assert supervisor.post(url, json={"action": "close"}).status_code == 409
    assert supervisor.post(url, json={"action": "rectify", "note": "x"}).status_code == 409
    assert supervisor.post(url, json={"action": "contact"}).status_code == 422  # a note is required
    assert supervisor.post(url, json={"action": "fly"}).status_code == 422
    assert applicant.post(url, json={"action": "contact", "note": "x"}).status_code == 403
    market = world["api"].as_user("market_clerk1")
    assert market.post(url, json={"action": "contact", "note": "x"}).status_code == 403
    assert supervisor.post(url, json={"action": "contact", "note": "已电话回访"}).status_code == 200
    assert supervisor.post(url, json={"action": "contact", "note": "again"}).status_code == 409
    assert world["clerk"].post(url, json={"action": "dismiss", "note": "诉求超出法定范围"}).status_code == 200
    assert supervisor.post(url, json={"action": "rectify", "note": "x"}).status_code == 409
    assert applicant.post(f"/v1/cases/{follow_up['case_no']}/rating", json={"level": 4}).status_code == 409
    closed = supervisor.post(url, json={"action": "close", "note": "已告知申请人"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [h["action"] for h in closed.json()["history"]] == ["contact", "dismiss", "close"]
    assert supervisor.post(url, json={"action": "close"}).status_code == 409
    eventually(lambda: any(n["event"] == "follow_up_updated" and "再次评价" in n["body"]
                           for n in applicant.get("/v1/me/notifications").json()["notifications"]))
    again = applicant.post(f"/v1/cases/{follow_up['case_no']}/rating", json={"level": 4})
    assert again.status_code == 201 and again.json()["round"] == 2
    assert applicant.post(f"/v1/cases/{follow_up['case_no']}/rating", json={"level": 5}).status_code == 409


def test_complaint_lifecycle_over_http_and_the_ladder(world):
    supervisor, applicant, names = world["supervisor"], world["applicant"], world["names"]
    created = applicant.post("/v1/complaints", json={"department": "health", "subject": "窗口推诿",
                                                     "text": "三次往返未办成", "contact": "13712345678"})
    assert created.status_code == 201 and created.json()["status"] == "received"
    url = f"/v1/complaints/{created.json()['id']}/transitions"
    steps = [{"action": "assign", "to": names["clerk"]}, {"action": "investigate"},
             {"action": "conclude", "substantiated": True, "findings": "属实", "staff": names["clerk"]},
             {"action": "reply", "text": "已约谈并致歉"}, {"action": "close"}]
    assert supervisor.post(url, json={"action": "conclude"}).status_code in (409, 422)
    assert applicant.post(url, json={"action": "assign", "to": "x"}).status_code == 403
    assert supervisor.post(url, json={"action": "assign"}).status_code == 422
    for index, step in enumerate(steps):
        for later in steps[index + 1:]:
            assert supervisor.post(url, json=later).status_code == 409, later
        answer = supervisor.post(url, json=step)
        assert answer.status_code == 200, answer.text
        assert supervisor.post(url, json=step).status_code == 409  # not twice
    complaint = answer.json()
    assert [h["status"] for h in complaint["history"]] == [
        "received", "assigned", "investigating", "concluded", "replied", "closed"]
    assert "13712345678" not in str(complaint)
    eventually(lambda: sum(n["event"] == "complaint_updated" for n in
                           applicant.get("/v1/me/notifications").json()["notifications"]) >= 5)

    year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year
    ladder = supervisor.get(f"/v1/accountability?year={year}").json()
    clerk = next(p for p in ladder["people"] if p["username"] == names["clerk"])
    assert (clerk["records"], clerk["consequence"]) == (1, "no_award")
    assert world["clerk"].get(f"/v1/accountability?year={year}").status_code == 403

    # the ladder at 0, 1, 2, 3 records, by hand, for a fresh person and unit
    unit, person = f"u{uuid.uuid4().hex[:8]}", f"p{uuid.uuid4().hex[:8]}"

    def consequences():
        answer = supervisor.get(f"/v1/accountability?year={year}&department={unit}").json()
        people = {p["username"]: p["consequence"] for p in answer["people"]}
        return people.get(person, "none"), (answer["units"] or [{"consequence": "none"}])[0]["consequence"]

    seen = [consequences()]
    for _ in range(3):
        recorded = supervisor.post("/v1/accountability", json={"department": unit, "username": person,
                                                               "reason": "工作日脱岗"})
        assert recorded.status_code == 201, recorded.text
        seen.append(consequences())
    assert seen == [("none", "none"), ("no_award", "none"), ("fail_assessment", "none"),
                    ("fail_assessment", "criticised")]
    bad = supervisor.post("/v1/accountability", json={"department": unit})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"reason"}

    ranking = supervisor.get(f"/v1/rankings?period={month_now()}").json()
    mine = next(s for s in ranking["staff"] if s["username"] == names["clerk"])
    assert mine["eligible"] is False and mine["service_star"] is False
    assert mine["display_name"] == "测试"  # the account's name, not only its username
    assert "按时办结率" in ranking["formula"]["windows_text"]
    assert supervisor.get("/v1/rankings?period=2026-13").status_code == 422


def test_monthly_report_has_the_api_figures(world, tmp_path):
    supervisor = world["supervisor"]
    period = month_now()
    metrics = supervisor.get(f"/v1/metrics?period={period}").json()
    xlsx = supervisor.get(f"/v1/reports/monthly?period={period}&format=xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    summary = {row[0]: row[1] for row in load_workbook(io.BytesIO(xlsx.content))["概览"].iter_rows(values_only=True)
               if row and row[0]}
    assert summary["收件数"] == str(metrics["received"]) and summary["办结数"] == str(metrics["completed"])
    assert summary["投诉数"] == str(metrics["complaints"])
    pdf = supervisor.get(f"/v1/reports/monthly?period={period}&format=pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "月度政务服务效能报告" in text and "红旗窗口" in text
    assert f"收件数 {metrics['received']}".split() == [w for w in text.split() if w in ("收件数",
                                                                                       str(metrics["received"]))][:2]
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 5000
    assert world["clerk"].get(f"/v1/reports/monthly?period={period}").status_code == 403
    assert supervisor.get("/v1/reports/monthly?period=2026-Q1").status_code == 422
