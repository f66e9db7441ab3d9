"""A month of every kind of case through the gateway, recounted by hand.

This module's own clerk takes cases of every kind at the window (promised with
and without inspection, instant, renewal, joint, escalated), its own chief
decides them, some late (the case moved back in time with `scenes.backdate_case`
after acceptance; the real services do everything after that), some stay
pending, one is refused; the applicant rates them good and bad, one bad rating's
follow-up is rectified, and complaints are concluded against the clerk. Every
figure of GET /v1/metrics is then checked against a recount the test makes from
what it did: per staff member (the clerk's intake, ratings, follow-ups and
complaints; the chief's decisions), and for the department as the difference
from a snapshot taken before (the e2e database is shared with the other
modules, which run before and after this one, never during it).
"""
import datetime as dt
import math
import uuid
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.scenes import backdate_case, health_team, required_materials
from tests.e2e.test_platform import ADMIN_PASSWORD, DEMO_PASSWORD, Api, eventually, id_number, once_opened

pytestmark = pytest.mark.e2e
SHANGHAI = ZoneInfo("Asia/Shanghai")
DECISIONS = ("approve", "deny", "record_higher_decision")
ITEMS = ("HEALTH-PUBLIC-PLACE-NEW", "HEALTH-WATER-NEW", "HEALTH-MEDICAL-NEW", "HEALTH-LICENCE-REPLACE",
         "HEALTH-PUBLIC-PLACE-RENEW", "HEALTH-HOTEL-JOINT", "HEALTH-RADIATION-NEW")
INSPECTED = frozenset({"HEALTH-PUBLIC-PLACE-NEW", "HEALTH-WATER-NEW", "HEALTH-MEDICAL-NEW", "HEALTH-HOTEL-JOINT"})
# (item, what happens, days moved back after acceptance (0: on time), rating level or None)
PLAN = (
    ("HEALTH-PUBLIC-PLACE-NEW", "approve", 0, 5),
    ("HEALTH-WATER-NEW", "deny", 0, 2),
    ("HEALTH-MEDICAL-NEW", "approve", 45, 1),           # late
    ("HEALTH-PUBLIC-PLACE-NEW", "deny", 35, 3),          # late
    ("HEALTH-LICENCE-REPLACE", "approve", 0, 5),         # instant (即办件)
    ("HEALTH-PUBLIC-PLACE-RENEW", "approve", 0, 4),      # renewal (延续)
    ("HEALTH-HOTEL-JOINT", "approve", 0, 4),             # joint (联办件)
    ("HEALTH-RADIATION-NEW", "approved", 40, 5),         # escalated (上报件), late
    ("HEALTH-WATER-NEW", "pending", 0, None),
    ("HEALTH-MEDICAL-NEW", "pending", 0, None),
)


def today():
    return dt.datetime.now(SHANGHAI).date()


def local_day(moment: str) -> str:
    return dt.datetime.fromisoformat(moment).astimezone(SHANGHAI).date().isoformat()


@pytest.fixture(scope="module")
def people(stack):
    api = Api(stack.gateway_url)
    names = health_team(api, api.as_user("admin", ADMIN_PASSWORD), "m6", "月度测试", ITEMS,
                        ("review", "inspect", "decide", "verify", "issue"), DEMO_PASSWORD)
    return {"api": api, "stack": stack, "names": names,
            "supervisor": api.as_user("supervisor1"), "admin": api.as_user("health_admin"),
            "market_clerk": api.as_user("market_clerk1"), **{k: api.as_user(v) for k, v in names.items()}}


def certificate(people, days_left):
    """A licence in force for the applicant (for a renewal or a replacement)."""
    registered = people["admin"].post("/v1/certificates", json={
        "item_code": "HEALTH-PUBLIC-PLACE-NEW", "holder_name": "月度测试宾馆", "holder_type": "enterprise",
        "valid_from": (today() - dt.timedelta(days=1000)).isoformat(),
        "valid_until": (today() + dt.timedelta(days=days_left)).isoformat(),
        "owner_account": people["names"]["applicant"]})
    assert registered.status_code == 201, registered.text
    return registered.json()["certificate_no"]


def window_case(people, item, seq):
    """A complete application taken at the window by the module's clerk, for the module's applicant."""
    body = {"item_code": item, "channel": "window", "materials": required_materials(people["api"], item),
            "owner_account": people["names"]["applicant"],
            "applicant": {"type": "person", "name": "钱七", "id_number": id_number(seq=f"{seq:03d}"),
                          "phone": "13912345678"}}
    if item in ("HEALTH-LICENCE-REPLACE", "HEALTH-PUBLIC-PLACE-RENEW"):
        body["certificate_no"] = certificate(people, 300 if item.endswith("REPLACE") else 60)
    taken = people["clerk"].post("/v1/applications", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert taken.status_code == 201 and taken.json()["status"] == "accepted", taken.text
    return taken.json()["case_no"]


def work(people, case_no, item, outcome):
    """Review and decide the case as the centre does for its kind."""
    clerk, chief = people["clerk"], people["chief"]
    started = once_opened(lambda: clerk.transition(case_no, "start_review"))
    assert started.status_code == 200, started.text
    if started.json()["status"] == "joint_review":
        signed = people["market_clerk"].transition(case_no, "sign_joint", comment="同意")
        assert signed.status_code == 200, signed.text
        assert clerk.transition(case_no, "sign_joint").status_code == 200
    if item in INSPECTED:
        assert clerk.transition(case_no, "record_inspection", result="passed").status_code == 200
    if item == "HEALTH-RADIATION-NEW":
        assert clerk.transition(case_no, "escalate", comment="报市卫生健康委员会").status_code == 200
        decided = chief.transition(case_no, "record_higher_decision", result=outcome)
    else:
        decided = chief.transition(case_no, outcome, **({"comment": "不符合法定条件"} if outcome == "deny" else {}))
    assert decided.status_code == 200, decided.text


def backdated(stack, case_no, days):
    """Move the case back once approval has opened it from the acceptance event."""
    def attempt():
        try:
            return backdate_case(stack.database_uri("approval"), case_no, days, stack.env["MONGO_DB_PREFIX"])
        except AssertionError:  # not opened yet
            return None
    return eventually(attempt, timeout=30)


def metrics(people, **scope):
    query = "&".join(f"{k}={v}" for k, v in {"period": today().strftime("%Y-%m"), **scope}.items())
    answer = people["supervisor"].get(f"/v1/metrics?{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def rate(values, whole):
    return round(values / whole, 4) if whole else None


def test_a_month_of_every_kind_of_case_agrees_with_a_recount(people):
    names, supervisor, applicant = people["names"], people["supervisor"], people["applicant"]
    month = today().strftime("%Y-%m")
    before = metrics(people, department="health")

    # --- the month: every kind, on time and late, pending, refused --------------------------------
    cases = []
    for seq, (item, outcome, late_by, level) in enumerate(PLAN, start=600):
        case_no = window_case(people, item, seq)
        accepted_on = today().isoformat()
        if late_by:
            accepted_on = backdated(people["stack"], case_no, late_by)["accepted_on"]
        if outcome != "pending":
            work(people, case_no, item, outcome)
        cases.append({"case_no": case_no, "item": item, "outcome": outcome, "late": bool(late_by),
                      "accepted_on": accepted_on, "level": level})
    online = applicant.post("/v1/applications", json={
        "item_code": "HEALTH-PUBLIC-PLACE-NEW", "channel": "online",
        "materials": required_materials(people["api"], "HEALTH-PUBLIC-PLACE-NEW"),
        "applicant": {"type": "person", "name": "钱七", "id_number": id_number(seq="699"), "phone": "13912345678"}})
    assert online.status_code == 201 and online.json()["status"] == "pre_review", online.text
    refused = people["clerk"].transition(online.json()["case_no"], "refuse", reason="不属于本窗口受理范围")
    assert refused.status_code == 200, refused.text

    # --- what the case records say (approval's, not evaluation's) ---------------------------------
    decided = [c for c in cases if c["outcome"] != "pending"]
    for case in decided:
        view = supervisor.get(f"/v1/cases/{case['case_no']}").json()
        assert view["status"] in ("approved", "denied"), view["status"]
        step = next(h for h in reversed(view["history"]) if h["action"] in DECISIONS)
        case.update(result=view["status"], decided_on=local_day(step["at"]), promised=view["deadlines"]["promised"],
                    used=view["clock"]["used_working_days"])
        assert (case["decided_on"] > case["promised"]) is case["late"], case  # the late ones are late

    # --- ratings, good and bad; one bad rating's follow-up rectified, one left open -------------------
    eventually(lambda: metrics(people, staff=names["chief"])["completed"] == len(decided), timeout=60)
    for case in decided:  # evaluation knows every decision now; a retry after a 503 carries the same key
        body = {"level": case["level"], **({"comment": "等待太久"} if case["level"] <= 2 else {})}
        key = uuid.uuid4().hex
        rated = eventually(lambda c=case, b=body, k=key: (r := applicant.post(
            f"/v1/cases/{c['case_no']}/rating", json=b, headers={"Idempotency-Key": k})).status_code != 503 and r,
            timeout=60)
        assert rated.status_code == 201, rated.text
        case["rating"] = rated.json()
    bad = [c for c in decided if c["level"] <= 2]
    fixed = bad[0]["rating"]["follow_up"]["id"]
    for step in ({"action": "contact", "note": "已电话回访"}, {"action": "rectify", "note": "增设导办员"},
                 {"action": "close", "note": "已告知申请人"}):
        assert supervisor.post(f"/v1/follow-ups/{fixed}/transitions", json=step).status_code == 200

    # --- complaints: one substantiated against the clerk and closed, one not, one just received ----------
    def complaint(case_no, conclude=None):
        made = applicant.post("/v1/complaints", json={"department": "health", "subject": "窗口服务",
                                                     "text": "办理过程有问题", "contact": "13912345678",
                                                     **({"case_no": case_no} if case_no else {})})
        assert made.status_code == 201, made.text
        url = f"/v1/complaints/{made.json()['id']}/transitions"
        if conclude is None:
            return
        steps = [{"action": "assign", "to": names["clerk"]}, {"action": "investigate"},
                 {"action": "conclude", "findings": "经核查", "staff": names["clerk"], "substantiated": conclude},
                 {"action": "reply", "text": "已答复"}, {"action": "close"}]
        for step in steps if conclude else steps[:3]:
            assert supervisor.post(url, json=step).status_code == 200, step

    complaint(decided[0]["case_no"], conclude=True)
    complaint(decided[1]["case_no"], conclude=False)
    complaint(None)

    # --- the recount ------------------------------------------------------------------------------------
    days = sorted(c["used"] for c in decided)
    chief = {"completed": len(decided), "approved": sum(c["result"] == "approved" for c in decided),
             "denied": sum(c["result"] == "denied" for c in decided),
             "on_time": sum(c["decided_on"] <= c["promised"] for c in decided),
             "on_time_rate": rate(sum(c["decided_on"] <= c["promised"] for c in decided), len(decided)),
             "early_rate": rate(sum(c["decided_on"] < c["promised"] for c in decided), len(decided)),
             "avg_working_days": round(sum(days) / len(days), 2),
             "p90_working_days": days[math.ceil(0.9 * len(days)) - 1]}
    levels = [c["level"] for c in decided]
    clerk = {"received": len(cases), "refused": 1,  # the online application the clerk refused
             # a late case was accepted on the date it was moved to, which may be last month
             "accepted": sum(c["accepted_on"][:7] == month for c in cases),
             "ratings": {"count": len(levels), "by_level": {str(n): levels.count(n) for n in (5, 4, 3, 2, 1)}},
             "satisfaction_rate": rate(sum(level >= 3 for level in levels), len(levels)),
             "bad_ratings": len(bad),
             "follow_ups": {"opened": len(bad), "closed": 1, "rectified": 1, "dismissed": 0, "closed_on_time": 1},
             "rectification_rate": rate(1, len(bad)),
             "complaints": 2, "complaints_closed": 1, "complaints_substantiated": 1, "complaint_closure_rate": 0.5}
    for who, expected in (("chief", chief), ("clerk", clerk)):
        got = eventually(lambda w=who, e=expected: (m := metrics(people, staff=names[w]))
                         and {k: m[k] for k in e} == e and m, timeout=60)
        assert {k: got[k] for k in expected} == expected, who
    # what the other one did not do counts nothing for them
    assert metrics(people, staff=names["clerk"])["completed"] == 0
    assert metrics(people, staff=names["chief"])["received"] == 0

    # the department: the difference from before is exactly this month's work
    pending = [c for c in cases if c["outcome"] == "pending"]
    department = {"received": len(cases) + 1, "refused": 1, "accepted": clerk["accepted"],
                  "completed": len(decided), "approved": chief["approved"], "denied": chief["denied"],
                  "on_time": chief["on_time"], "ratings": len(levels), "bad_ratings": len(bad),
                  "complaints": 3, "complaints_closed": 1, "complaints_substantiated": 1,
                  "pending_later": len(pending)}  # promised 15 working days ahead: more than 5 left

    def difference():
        now = metrics(people, department="health")
        flat = lambda m: {**{k: m[k] for k in department if k in m}, "ratings": m["ratings"]["count"],  # noqa: E731
                          "pending_later": m["pending"]["later"]}
        after, start = flat(now), flat(before)
        return {k: after[k] - start[k] for k in department}

    try:
        eventually(lambda: difference() == department, timeout=60)
    except AssertionError:
        assert difference() == department

    # rankings and the report show the same figures
    ranking = supervisor.get(f"/v1/rankings?period={month}").json()
    mine = next(s for s in ranking["staff"] if s["username"] == names["chief"])
    assert mine["figures"]["completed"] == chief["completed"]
    assert mine["figures"]["on_time_rate"] == chief["on_time_rate"]
    clerk_row = next(s for s in ranking["staff"] if s["username"] == names["clerk"])
    assert clerk_row["eligible"] is False  # the substantiated complaint is a record this year
