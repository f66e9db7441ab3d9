"""Electronic supervision (电子监察): green, yellow from one working day before a deadline, red once past it.

A case has several deadlines at once: the overall promised date (承诺时限), the
statutory date (法定时限) and the limit of the stage it is in (预审, 审查, 现场检查,
发证…). `assess` looks at each and reports the most urgent. Shared by intake
(stages before acceptance) and approval (after); pure arithmetic on the clock.
"""
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from services.common.calendar import parse_date
from services.common.clock import Pause, WorkingDayClock

YELLOW_THRESHOLD = 1    # working days before a deadline the warning starts (configurable per call)
STATES = ("green", "yellow", "red")
STAGE_NAMES = {
    "overall": "承诺时限", "statutory": "法定时限", "pre_review": "网上预审", "acceptance": "受理",
    "review": "审查", "inspection": "现场检查", "joint_review": "联合审查", "escalated": "上报",
    "decision": "审批决定", "certificate": "制证发证", "delivery": "送达",
}


@dataclass(frozen=True)
class Deadline:
    stage: str
    due: dt.date


def remaining_working_days(clock: WorkingDayClock, today: dt.date, due: dt.date,
                           pauses: Iterable[Pause] = ()) -> int:
    """Counted working days after today up to the deadline (0 on the due day); negative once past it:
    minus the counted working days after the deadline up to today."""
    closed = tuple(Pause(p.start, p.end or today) for p in pauses)
    if today <= due:
        return clock.working_days_used(today, due, closed).value
    return -clock.working_days_used(due, today, closed).value


def state_of(remaining: int, threshold: int = YELLOW_THRESHOLD) -> str:
    if remaining < 0:
        return "red"
    return "yellow" if remaining <= threshold else "green"


def assess_all(clock: WorkingDayClock, today: dt.date, deadlines: Iterable[Deadline],
               pauses: Iterable[Pause] = (), threshold: int = YELLOW_THRESHOLD) -> list[dict]:
    """Every deadline with its state, most urgent first."""
    pauses = tuple(pauses)
    rows = []
    for deadline in deadlines:
        remaining = remaining_working_days(clock, today, deadline.due, pauses)
        rows.append({"state": state_of(remaining, threshold), "stage": deadline.stage,
                     "stage_deadline": deadline.due.isoformat(), "remaining_working_days": remaining})
    return sorted(rows, key=lambda r: (r["remaining_working_days"], r["stage_deadline"], r["stage"]))


def assess(clock: WorkingDayClock, today: dt.date, deadlines: Iterable[Deadline],
           pauses: Iterable[Pause] = (), threshold: int = YELLOW_THRESHOLD) -> dict:
    """The case's supervision block: the most urgent deadline; green with no deadline left to watch."""
    rows = assess_all(clock, today, deadlines, pauses, threshold)
    if not rows:
        return {"state": "green", "stage": None, "stage_deadline": None, "remaining_working_days": None}
    return rows[0]


def deadline(stage: str, due) -> Deadline:
    return Deadline(stage, parse_date(due))


def sort_key(urgent: bool, supervision: dict | None, case_no: str) -> str:
    """The queue order as one sortable string: 绿色通道 first, then the most urgent deadline (fewest
    remaining working days: on one calendar an earlier date never has more), then the case number.
    Cases with nothing left to watch come last."""
    due = (supervision or {}).get("stage_deadline") or "9999-12-31"
    return f"{0 if urgent else 1}|{due}|{case_no}"
