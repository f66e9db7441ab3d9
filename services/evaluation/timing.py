"""Step limits in working days, and the supervision colour of a step (电子监察):
green, yellow from `warn_days` working days before the due date, red once past it.

Complaints and follow-ups are timed the way cases are, with the shared
official calendar and working-day clock.
"""
import datetime as dt

from services.common.calendar import OfficialCalendar
from services.common.clock import WorkingDayClock

CLOCK = WorkingDayClock(OfficialCalendar())
GREEN, YELLOW, RED = "green", "yellow", "red"
DEFAULT_WARN_DAYS = 1


def due_date(start: dt.date, working_days: int, clock: WorkingDayClock = CLOCK) -> dt.date:
    """The date a step started on `start` must be done by (the start day is not counted)."""
    return clock.deadline(start, working_days).value


def remaining_working_days(today: dt.date, due: dt.date, clock: WorkingDayClock = CLOCK) -> int:
    """Working days left until `due` (0 on the due date itself, negative once past it)."""
    if today <= due:
        return clock.working_days_used(today, due).value
    return -clock.working_days_used(due, today).value or -1


def state(today: dt.date, due: dt.date | None, warn_days: int = DEFAULT_WARN_DAYS,
          clock: WorkingDayClock = CLOCK) -> dict:
    """{"state","due","remaining_working_days"} of an open step; green without a due date."""
    if due is None:
        return {"state": GREEN, "due": None, "remaining_working_days": None}
    remaining = remaining_working_days(today, due, clock)
    colour = RED if today > due else YELLOW if remaining <= warn_days else GREEN
    return {"state": colour, "due": due.isoformat(), "remaining_working_days": remaining}
