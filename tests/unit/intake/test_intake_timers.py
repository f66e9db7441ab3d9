"""Intake's legal time limits: 网上预审 in 2 working days, deemed acceptance after 5, 补正 timeout."""
import datetime as dt

from services.common.calendar import OfficialCalendar
from services.common.clock import WorkingDayClock
from services.intake import queues, timers

CLOCK = WorkingDayClock(OfficialCalendar())
D = dt.date


def record(status="pre_review", received="2026-09-28", notice=None):
    return {"case_no": "C1", "status": status, "received_on": received, "received_at": f"{received}T01:00:00+00:00",
            "history": [{"at": f"{received}T01:00:00+00:00", "status": status, "action": "submit"}],
            "notice": notice, "department": "health", "item_code": "X"}


def test_pre_review_is_yellow_the_day_before_and_on_its_deadline_then_red():
    # received Monday 2026-09-28: 2 working days = 2026-09-30 (the National Day holiday follows)
    assert CLOCK.deadline(D(2026, 9, 28), 2).value == D(2026, 9, 30)
    assert timers.due(record(), CLOCK, D(2026, 9, 28)).alerts == ()
    yellow = timers.due(record(), CLOCK, D(2026, 9, 29)).alerts
    assert [(r["stage"], r["state"]) for r in yellow] == [("pre_review", "yellow")]
    red = timers.due(record(), CLOCK, D(2026, 10, 9)).alerts
    assert ("pre_review", "red") in [(r["stage"], r["state"]) for r in red]


def test_no_notice_within_5_working_days_counts_as_accepted_from_the_day_of_receipt():
    # 5 working days after 2026-09-28 reach past the National Day week
    notice_by = CLOCK.deadline(D(2026, 9, 28), 5).value
    assert notice_by > D(2026, 10, 7)          # the holiday does not count
    assert timers.due(record(), CLOCK, notice_by).action is None
    due = timers.due(record(), CLOCK, notice_by + dt.timedelta(days=1))
    assert due.action == "deemed_accept" and due.on == D(2026, 9, 28)


def test_an_unsupplemented_case_is_withdrawn_after_the_notice_deadline():
    waiting = record("awaiting_supplement", notice={"kind": "one_time_notice", "date": "2026-03-02"})
    supplement_by = CLOCK.deadline(D(2026, 3, 2), queues.SUPPLEMENT_DAYS).value
    assert timers.due(waiting, CLOCK, supplement_by).action is None
    due = timers.due(waiting, CLOCK, supplement_by + dt.timedelta(days=1))
    assert due.action == "withdraw" and due.on == supplement_by
    fields = timers.withdraw(waiting, due.on, "at", supplement_by + dt.timedelta(days=1))
    assert waiting["status"] == "withdrawn" and waiting["history"][-1]["action"] == "supplement_timeout"
    assert supplement_by.isoformat() in fields["reason"]
    assert timers.due(record("accepted"), CLOCK, D(2030, 1, 1)).action is None


def test_queue_place_and_status_as_of_a_listing_instant():
    pending = record()
    pending["history"].append({"at": "2026-09-29T02:00:00+00:00", "status": "awaiting_supplement"})
    assert queues.status_as_of(pending, "2026-09-28T05:00:00+00:00") == "pre_review"
    assert queues.status_as_of(pending, "2026-09-30T00:00:00+00:00") == "awaiting_supplement"
    assert queues.status_as_of(pending, "2026-09-27T00:00:00+00:00") is None
    assert queues.sort_key(pending, "pre_review", CLOCK) == "1|2026-09-30|C1"
