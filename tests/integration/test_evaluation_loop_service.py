"""Evaluation on a real broker and database: a realistic month of case events
moves the pre-aggregated counters, and the metrics agree with an independent
recount from the same events (also after duplicates and a rebuild); complaints,
follow-ups and accountability sources walk their whole loop."""
import base64
import datetime as dt
import functools
import io
import math
import random
import subprocess
import time

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from openpyxl import load_workbook
from polling import eventually

from services.common import contracts
from services.common.errors import DomainError
from services.common.localtime import local_today
from services.common.mongo import service_database
from services.evaluation.service import EvaluationService

MONTH = "2025-03"
DEPARTMENTS = {"health": ("HEALTH-PUBLIC-PLACE-NEW", "HEALTH-LICENCE-REPLACE", "HEALTH-WATER-NEW"),
               "market": ("MARKET-FOOD-BUSINESS-NEW",)}
CLERKS = {"health": ("clerk1", "clerk2"), "market": ("mclerk1",)}
CHIEFS = {"health": "chief1", "market": "mchief1"}
SUPERVISOR = {"username": "sup1", "role": "supervisor", "department": None, "display_name": "督查"}


eventually = functools.partial(eventually, timeout=240.0)  # hundreds of events on a shared 2-core machine


@pytest.fixture
def evaluation(container_factory, service_config):
    container = container_factory(EvaluationService, service_config)
    container.start()
    dispatch = event_dispatcher(service_config)

    def publish(*events):
        for event in events:
            dispatch(contracts.EVENT_SOURCE[event["event_type"]], event["event_type"], event)

    with ServiceRpcProxy("evaluation", service_config) as rpc:
        yield publish, rpc, service_database("evaluation", service_config)


def month_of_cases(seed=6, prefix="C", count=80):
    """(events, cases): a month's cases of every outcome, on time and late, with their events."""
    rng, events, cases = random.Random(seed), [], []
    for number in range(count):
        department = rng.choice(("health", "health", "market"))
        item = rng.choice(DEPARTMENTS[department])
        clerk = rng.choice(CLERKS[department])
        received = dt.date(2025, 3, rng.randint(1, 28))
        case = {"case_no": f"{prefix}{number:04d}", "item_code": item, "item_name": item, "department": department,
                "owner": f"app{number}", "submitted_by": f"app{number}", "channel": "window"}
        outcome = rng.choice(("refused", "waiting", "pending", "decided", "decided", "decided", "decided"))
        at = f"{received.isoformat()}T09:00:00+08:00"
        events.append(contracts.event(contracts.APPLICATION_RECEIVED, **case, received_at=at, status="received"))
        record = {**case, "received_on": received.isoformat(), "outcome": outcome, "received_by": None}
        if outcome == "refused":
            refusal = contracts.event(contracts.APPLICATION_REFUSED, **case, reason="不属于受理范围", notice={},
                                      actor=None)
            refusal["occurred_at"] = f"{received.isoformat()}T02:00:00+00:00"
            events.append(refusal)
        if outcome in ("pending", "decided"):
            promised = (received + dt.timedelta(days=28)).isoformat()
            deadlines = {"promised": promised, "statutory": promised}
            events.append(contracts.event(
                contracts.APPLICATION_ACCEPTED, **case, received_at=at, accepted_at=at,
                accepted_on=received.isoformat(), item={}, deadlines=deadlines, applicant={},
                first_contact={"username": clerk, "display_name": clerk}, history=[], notice={}))
            record.update(received_by=clerk, accepted_on=received.isoformat())
        if outcome == "decided":
            days = rng.choice((0, 1, 3, 5, 8, 12, 19, 20, 25, 31))
            decided = received + dt.timedelta(days=rng.randint(0, 25))
            if decided.month != 3:
                decided = dt.date(2025, 3, 31)
            on_time = days <= 20
            record.update(decided_on=decided.isoformat(), days=days, on_time=on_time, early=days < 20,
                          result=rng.choice(("approved", "approved", "denied")), decided_by=CHIEFS[department])
            events.append(contracts.event(
                contracts.CASE_DECIDED, **case, result=record["result"], reason=None,
                decided_on=record["decided_on"], accepted_on=received.isoformat(), deadlines={},
                used_working_days=days, on_time=on_time, early=days < 20, decided_by=CHIEFS[department]))
        cases.append(record)
    return events, cases


def recount(cases, department=None, staff=None):
    """The metrics counted by hand from the cases, with none of the service's code."""
    def mine(case, who):
        return (department in (None, case["department"])) and (staff in (None, who))

    received = [c for c in cases if mine(c, c["received_by"])]
    decided = [c for c in cases if c.get("decided_on") and mine(c, c["decided_by"])]
    days = sorted(c["days"] for c in decided)
    return {
        "received": len(received),
        "accepted": sum(1 for c in received if c.get("accepted_on")),
        "refused": sum(1 for c in received if c["outcome"] == "refused"),
        "completed": len(decided),
        "approved": sum(1 for c in decided if c["result"] == "approved"),
        "on_time_rate": round(sum(c["on_time"] for c in decided) / len(decided), 4) if decided else None,
        "early_rate": round(sum(c["early"] for c in decided) / len(decided), 4) if decided else None,
        "avg_working_days": round(sum(days) / len(days), 2) if days else None,
        "p90_working_days": days[math.ceil(0.9 * len(days)) - 1] if days else None,
    }


def picked(metrics):
    return {key: metrics[key] for key in ("received", "accepted", "refused", "completed", "approved",
                                          "on_time_rate", "early_rate", "avg_working_days", "p90_working_days")}


def test_a_month_of_events_agrees_with_an_independent_recount(evaluation):
    publish, rpc, db = evaluation
    events, cases = month_of_cases()
    random.Random(1).shuffle(events)  # any order
    publish(*events, *events[:25])  # and some twice
    eventually(lambda: rpc.metrics(period=MONTH)["received"] == len(cases) and
               rpc.metrics(period=MONTH)["completed"] == recount(cases)["completed"] and
               db.case_facts.count_documents({"uncounted": {"$exists": True}}) == 0)
    time.sleep(1)  # the duplicates are handled too
    scopes = [{}, {"department": "health"}, {"department": "market"}, {"staff": "clerk1"}, {"staff": "chief1"}]
    for scope in scopes:
        assert picked(rpc.metrics(period=MONTH, **scope)) == recount(cases, **scope), scope
    assert rpc.metrics(period="2025-04")["received"] == 0
    by_item = rpc.metrics(period=MONTH, item_code="HEALTH-WATER-NEW")["received"]
    assert by_item == sum(1 for c in cases if c["item_code"] == "HEALTH-WATER-NEW")

    # a rebuild from the stored facts gives the same figures, even after the counters were lost
    db.metric_counters.delete_many({})
    assert rpc.metrics(period=MONTH)["received"] == 0
    rebuilt = rpc.rebuild_metrics(SUPERVISOR)
    assert rebuilt["case_facts"] == len(cases)
    for scope in scopes:
        assert picked(rpc.metrics(period=MONTH, **scope)) == recount(cases, **scope), scope
    with pytest.raises(DomainError):
        rpc.rebuild_metrics({"username": "c", "role": "clerk", "department": "health"})


def decided_case(publish, case_no="C-R1", owner="zhangsan", clerk="clerk1"):
    case = {"case_no": case_no, "item_code": "HEALTH-PUBLIC-PLACE-NEW", "item_name": "公共场所卫生许可",
            "department": "health", "owner": owner, "submitted_by": owner, "channel": "window"}
    today = local_today().isoformat()
    publish(contracts.event(contracts.APPLICATION_ACCEPTED, **case, received_at=f"{today}T09:00:00+08:00",
                            accepted_at=f"{today}T09:00:00+08:00", accepted_on=today, item={},
                            deadlines={"promised": today, "statutory": today}, applicant={},
                            first_contact={"username": clerk, "display_name": clerk}, history=[], notice={}),
            contracts.event(contracts.CASE_DECIDED, **case, result="approved", reason=None, decided_on=today,
                            accepted_on=today, deadlines={}, used_working_days=0, on_time=True, early=True,
                            decided_by="chief1"))
    return case


def test_bad_rating_follow_up_loop_and_a_second_rating(evaluation):
    publish, rpc, db = evaluation
    decided_case(publish)
    owner = {"username": "zhangsan", "role": "applicant", "department": None}
    eventually(lambda: (facts := db.case_facts.find_one({"_id": "C-R1"}) or {}).get("decided_on")
               and facts.get("received_by"))
    rating = rpc.rate("C-R1", owner, 1, comment="来回跑了三次")
    follow_up_id = rating["follow_up"]["id"]
    [listed] = rpc.list_follow_ups(department="health", state="open")
    assert listed["id"] == follow_up_id and listed["staff"] == "clerk1" and listed["supervision"]["state"] == "green"
    with pytest.raises(DomainError):  # not before the follow-up closes
        rpc.rate("C-R1", owner, 5)
    with pytest.raises(DomainError):
        rpc.follow_up_transition(follow_up_id, "close", SUPERVISOR)
    rpc.follow_up_transition(follow_up_id, "contact", SUPERVISOR, note="已电话回访")
    rpc.follow_up_transition(follow_up_id, "rectify", SUPERVISOR, note="窗口增加引导员")
    closed = rpc.follow_up_transition(follow_up_id, "close", SUPERVISOR)
    assert closed["status"] == "closed" and closed["outcome"] == "rectified"
    assert [h["action"] for h in closed["history"]] == ["contact", "rectify", "close"]
    metrics = rpc.metrics()
    assert metrics["follow_ups"]["rectified"] == 1 and metrics["rectification_rate"] == 1.0
    second = rpc.rate("C-R1", owner, 5)
    assert second["round"] == 2
    with pytest.raises(DomainError):
        rpc.rate("C-R1", owner, 4)
    assert rpc.metrics()["ratings"]["count"] == 2


def test_an_overdue_follow_up_is_recorded_against_the_staff_member(evaluation):
    publish, rpc, db = evaluation
    decided_case(publish, case_no="C-R2", clerk="clerk2")
    eventually(lambda: (facts := db.case_facts.find_one({"_id": "C-R2"}) or {}).get("decided_on")
               and facts.get("received_by"))  # both events handled (they may arrive in either order)
    rating = rpc.rate("C-R2", {"username": "zhangsan", "role": "applicant"}, 2, comment="态度差")
    db.ratings.update_one({"_id": rating["id"]}, {"$set": {"follow_up.rectify_by": "2025-01-02"}})
    year = local_today().year
    people = eventually(lambda: rpc.accountability(year)["people"])  # the sweep runs every 10 s
    assert people == [{"username": "clerk2", "records": 1, "sources": ["unrectified_rating"],
                       "department": "health", "consequence": "no_award", "consequence_label": "当年不得评优"}]
    assert rpc.get_follow_up(rating["id"])["overdue"] is True


def test_complaint_loop_and_accountability_sources(evaluation):
    publish, rpc, db = evaluation
    complaint = rpc.create_complaint({"department": "health", "subject": "推诿", "text": "三次往返",
                                      "contact": "13812345678", "channel": "hotline"}, None)
    steps = [("assign", {"to": "ha"}), ("investigate", {}),
             ("conclude", {"substantiated": True, "findings": "属实", "staff": "clerk3"}),
             ("reply", {"text": "已致歉并整改"}), ("close", {})]
    for action, params in steps:
        with pytest.raises(DomainError):  # the last step again, or one skipped ahead, is refused
            rpc.complaint_transition(complaint["id"], "close" if action != "close" else "assign", SUPERVISOR, {})
        complaint = rpc.complaint_transition(complaint["id"], action, SUPERVISOR, params)
    assert complaint["status"] == "closed" and complaint["contact"] == "138****5678"
    assert [h["status"] for h in complaint["history"]] == [
        "received", "assigned", "investigating", "concluded", "replied", "closed"]
    metrics = rpc.metrics(department="health")
    assert (metrics["complaints"], metrics["complaints_closed"], metrics["complaint_closure_rate"]) == (1, 1, 1.0)
    assert rpc.metrics(staff="clerk3")["complaints_substantiated"] == 1

    year = local_today().year
    violation = contracts.event(contracts.AUTHORITY_VIOLATION, case_no="C9", department="health",
                                item_code="X", actor="clerk3", actor_role="clerk", action="approve",
                                reason="委托书未授权", at=dt.datetime.now(dt.UTC).isoformat())
    red = contracts.event(contracts.SUPERVISION_ALERT, case_no="C10", item_code="X", item_name="X",
                          department="health", owner=None, submitted_by=None, channel="window", state="red",
                          stage="overall", deadline="2025-03-01", responsible="clerk4", remaining_working_days=-2)
    yellow = {**red, "event_id": "y1", "case_no": "C11", "state": "yellow"}
    publish(violation, violation, red, red, yellow)
    ladder = eventually(lambda: len(rpc.accountability_records(year)) == 3 and rpc.accountability(year))
    assert {p["username"]: p["consequence"] for p in ladder["people"]} == {
        "clerk3": "fail_assessment", "clerk4": "no_award"}
    assert ladder["units"] == [{"department": "health", "records": 3, "sources": [
        "authority_violation", "complaint", "overdue_case"], "consequence": "criticised",
        "consequence_label": "通报批评，不得评为先进"}]
    manual = rpc.record_accountability({"department": "market", "reason": "值班脱岗"}, SUPERVISOR)
    assert manual["source"] == "manual"
    assert rpc.accountability(year, "market")["units"][0]["consequence"] == "none"


def test_rankings_and_the_monthly_report_show_the_metrics(evaluation, tmp_path):
    publish, rpc, db = evaluation
    events, cases = month_of_cases(seed=3)
    publish(*events)
    eventually(lambda: rpc.metrics(period=MONTH)["received"] == len(cases))
    rpc.record_accountability({"department": "health", "username": "chief1", "reason": "迟到", "date": "2025-03-05"},
                              SUPERVISOR)
    ranking = rpc.rankings(MONTH)
    assert {w["department"] for w in ranking["windows"]} == {"health", "market"}
    chief1 = next(s for s in ranking["staff"] if s["username"] == "chief1")
    assert chief1["eligible"] is False and chief1["service_star"] is False
    assert "按时办结率" in ranking["formula"]["windows_text"]
    rpc.set_ranking_formula({"windows": {"weights": {"satisfaction_rate": 1}}}, SUPERVISOR)
    assert rpc.rankings(MONTH)["formula"]["windows"]["weights"] == {"satisfaction_rate": 1}

    metrics = rpc.metrics(period=MONTH)
    workbook = load_workbook(io.BytesIO(base64.b64decode(rpc.monthly_report(MONTH, None, "xlsx")["content_base64"])))
    summary = {row[0]: row[1] for row in workbook["概览"].iter_rows(values_only=True) if row and row[0]}
    assert summary["收件数"] == str(metrics["received"]) and summary["办结数"] == str(metrics["completed"])
    assert summary["按时办结率"] == f"{metrics['on_time_rate'] * 100:.2f}%"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(base64.b64decode(rpc.monthly_report(MONTH, None, "pdf")["content_base64"]))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "月度政务服务效能报告" in text and f"{metrics['on_time_rate'] * 100:.2f}%" in text
    assert subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
                          check=True).returncode == 0
