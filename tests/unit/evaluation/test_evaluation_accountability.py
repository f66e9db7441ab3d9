"""The complaint and follow-up lifecycles, the accountability ladder and the rankings, as plain rules."""
import datetime as dt

import pytest

from services.common.errors import Conflict, Forbidden, InvalidInput
from services.evaluation import accountability, complaint_steps, follow_ups, rankings, timing

NOW = dt.datetime(2025, 4, 1, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2025, 4, 1)
SUPERVISOR = {"username": "sup1", "role": "supervisor", "department": None}
HEALTH_ADMIN = {"username": "ha", "role": "department_admin", "department": "health"}
MARKET_CLERK = {"username": "mc", "role": "clerk", "department": "market"}
LIMITS = complaint_steps.DEFAULT_LIMITS
PARAMS = {"assign": {"to": "ha"}, "investigate": {}, "conclude": {"substantiated": True, "findings": "属实",
                                                                  "staff": "clerk1"},
          "reply": {"text": "已整改并致歉"}, "close": {}}


def complaint(status="received", **extra):
    return {"_id": "c1", "status": status, "department": "health", "subject": "推诿", **extra}


def test_complaint_walks_every_step_in_order_and_refuses_the_rest():
    doc = complaint()
    for action in complaint_steps.ACTIONS:
        for other in set(complaint_steps.ACTIONS) - {action}:
            with pytest.raises(Conflict):
                complaint_steps.apply(doc, other, SUPERVISOR, PARAMS[other], NOW, TODAY, LIMITS)
        step = complaint_steps.apply(doc, action, SUPERVISOR, PARAMS[action], NOW, TODAY, LIMITS)
        doc = {**doc, **step.changes}
        assert step.entry["actor"] == "sup1" and step.entry["status"] == step.status
    assert doc["status"] == "closed" and doc["closed_on"] == "2025-04-01" and doc["due"] is None
    assert doc["against"] == "clerk1" and doc["reply"] == "已整改并致歉"


def test_each_step_is_timed_in_working_days():
    step = complaint_steps.apply(complaint(), "assign", SUPERVISOR, {"to": "ha"}, NOW, TODAY, LIMITS)
    assert step.changes["due"] == "2025-04-03"  # 2 working days after 04-01
    limits = complaint_steps.parse_limits("assigned=5")
    assert complaint_steps.apply(complaint(), "assign", SUPERVISOR, {"to": "ha"}, NOW, TODAY, limits
                                 ).changes["due"] == "2025-04-09"  # Qingming 04-04 off
    with pytest.raises(ValueError):
        complaint_steps.parse_limits("assigned=soon")


def test_conclusion_names_its_fields_and_writes_a_record_only_when_substantiated_against_someone():
    with pytest.raises(InvalidInput) as error:
        complaint_steps.apply(complaint("investigating"), "conclude", SUPERVISOR, {"substantiated": "yes"}, NOW,
                              TODAY, LIMITS)
    assert {e["field"] for e in error.value.errors} == {"substantiated", "findings"}
    step = complaint_steps.apply(complaint("investigating"), "conclude", SUPERVISOR, PARAMS["conclude"], NOW,
                                 TODAY, LIMITS)
    assert step.accountability["username"] == "clerk1" and step.accountability["source"] == "complaint"
    assert step.accountability["_id"] == "complaint:c1"
    unfounded = complaint_steps.apply(complaint("investigating"), "conclude", SUPERVISOR,
                                      {"substantiated": False, "findings": "不属实"}, NOW, TODAY, LIMITS)
    assert unfounded.accountability is None


def test_only_supervisors_or_the_departments_staff_move_a_complaint():
    complaint_steps.apply(complaint(), "assign", HEALTH_ADMIN, {"to": "ha"}, NOW, TODAY, LIMITS)
    with pytest.raises(Forbidden):
        complaint_steps.apply(complaint(), "assign", MARKET_CLERK, {"to": "mc"}, NOW, TODAY, LIMITS)
    with pytest.raises(InvalidInput):
        complaint_steps.apply(complaint(), "delete", SUPERVISOR, {}, NOW, TODAY, LIMITS)


def test_supervision_colours():
    due = dt.date(2025, 4, 3)
    assert timing.state(dt.date(2025, 4, 1), due)["state"] == "green"
    assert timing.state(dt.date(2025, 4, 2), due)["state"] == "yellow"
    assert timing.state(due, due) == {"state": "yellow", "due": "2025-04-03", "remaining_working_days": 0}
    late = timing.state(dt.date(2025, 4, 8), due)  # 04-04..06 Qingming
    assert late["state"] == "red" and late["remaining_working_days"] == -2  # 04-07 and 04-08 past due


def opened(status="open", rectify_by="2025-04-22"):
    return {"id": "f1", "status": status, "opened_on": "2025-04-01", "rectify_by": rectify_by, "outcome": None}


def test_follow_up_lifecycle_and_every_illegal_move():
    follow_up = opened()
    path = [("contact", "已电话回访"), ("rectify", "已培训窗口人员"), ("close", None)]
    for action, note in path:
        legal = {"rectify", "dismiss"} if action == "rectify" else {action}
        for other in set(follow_ups.ACTIONS) - legal:
            with pytest.raises((Conflict, InvalidInput)):
                follow_ups.apply(follow_up, "health", other, SUPERVISOR, "说明", NOW, TODAY)
        step = follow_ups.apply(follow_up, "health", action, SUPERVISOR, note, NOW, TODAY)
        follow_up = {**follow_up, **step.changes}
    assert follow_up["status"] == "closed" and follow_up["outcome"] == "rectified" and follow_up["on_time"] is True


def test_dismissal_needs_reasons_and_a_late_close_is_not_on_time():
    contacted = opened("contacted", rectify_by="2025-03-20")
    with pytest.raises(InvalidInput):
        follow_ups.apply(contacted, "health", "dismiss", SUPERVISOR, " ", NOW, TODAY)
    dismissed = {**contacted, **follow_ups.apply(contacted, "health", "dismiss", SUPERVISOR, "诉求不合理",
                                                 NOW, TODAY).changes}
    assert follow_ups.is_overdue(dismissed, TODAY)
    closed = follow_ups.apply(dismissed, "health", "close", HEALTH_ADMIN, None, NOW, TODAY).changes
    assert closed["on_time"] is False
    with pytest.raises(Forbidden):
        follow_ups.apply(opened(), "health", "contact", MARKET_CLERK, "x", NOW, TODAY)


@pytest.mark.parametrize("records,person,unit", [
    (0, "none", "none"), (1, "no_award", "none"), (2, "fail_assessment", "none"), (3, "fail_assessment", "criticised"),
])
def test_the_ladder(records, person, unit):
    assert accountability.person_consequence(records) == person
    assert accountability.unit_consequence(records) == unit
    assert accountability.person_eligible(records) is (records == 0)
    assert accountability.unit_eligible(records) is (records < 3)


def test_manual_records_need_a_supervisor_a_unit_and_a_reason():
    with pytest.raises(Forbidden):
        accountability.manual({"department": "health", "reason": "x"}, HEALTH_ADMIN, TODAY)
    with pytest.raises(InvalidInput) as error:
        accountability.manual({"date": "04/01"}, SUPERVISOR, TODAY)
    assert {e["field"] for e in error.value.errors} == {"department", "reason", "date"}
    record = accountability.manual({"department": "health", "username": "clerk1", "reason": "迟到早退"},
                                   SUPERVISOR, TODAY)
    assert (record["year"], record["source"], record["recorded_by"]) == (2025, "manual", "sup1")


def metrics(on_time, satisfaction, completed=5, substantiated=0):
    return {"on_time_rate": on_time, "satisfaction_rate": satisfaction, "early_rate": None,
            "rectification_rate": None, "complaint_closure_rate": None, "completed": completed,
            "complaints_substantiated": substantiated}


def test_rankings_honour_the_ladder_and_show_the_formula():
    formula = rankings.validate_formula({"windows": {"weights": {"on_time_rate": 50, "satisfaction_rate": 50}},
                                         "staff": {"service_stars": 1}})
    windows = [{"department": "health", "metrics": metrics(1.0, 1.0)},
               {"department": "market", "metrics": metrics(0.8, 0.5)}]
    staff = [{"username": "a", "metrics": metrics(1.0, 1.0)}, {"username": "b", "metrics": metrics(0.9, 1.0)},
             {"username": "c", "metrics": metrics(0.5, 0.5)}]
    ranked = rankings.rank("monthly", formula, windows, staff, {"health": 3}, {"a": 1})
    health, market = ranked["windows"]
    assert (health["department"], health["score"], health["eligible"], health["red_flag"]) == ("health", 100.0,
                                                                                                 False, False)
    assert market["red_flag"] is True and market["score"] == 65.0
    assert [(s["username"], s["service_star"]) for s in ranked["staff"]] == [("a", False), ("b", True), ("c", False)]
    assert "50×按时办结率" in ranked["formula"]["windows_text"]


def test_missing_rates_are_left_out_and_penalties_apply():
    group = rankings.DEFAULT_FORMULA["staff"]
    assert rankings.score(metrics(1.0, None), group) == 100.0
    assert rankings.score(metrics(1.0, None, substantiated=2), group) == 90.0
    assert rankings.score(metrics(None, None), group) is None


def test_formula_validation_names_every_bad_field():
    with pytest.raises(InvalidInput) as error:
        rankings.validate_formula({"windows": {"weights": {"speed": 1}, "red_flags": -1}, "quarter_top": 0,
                                   "colour": "red"})
    assert {e["field"] for e in error.value.errors} == {"windows.weights.speed", "windows.red_flags",
                                                        "quarter_top", "colour"}


def test_periods():
    assert rankings.period_range("2025-02") == ("monthly", "2025-02-01", "2025-02-28")
    assert rankings.period_range("2025-Q4") == ("quarterly", "2025-10-01", "2025-12-31")
    with pytest.raises(InvalidInput):
        rankings.period_range("2025-13")
