"""Working days (工作日) for follow-up limits.

Uses the official calendar from `chinese_calendar` (holidays and 调休 make-up
workdays) for the years it covers; for any other year it falls back to plain
Monday-to-Friday. The start day itself is not counted, as for every statutory
time limit.
"""
import datetime as dt

import chinese_calendar


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the bundled calendar does not cover
        return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start not counted)."""
    current, remaining = start, days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current
