"""Working-day time limits (限时办结): deadlines and days used, with the clock paused.

The day of acceptance is not counted: a limit of N working days ends on the Nth
working day after it. Time for supplements, expert review, testing or hearings
does not count: a pause from day P to day R removes the working days P..R-1 (the
day the clock stops is not counted, the day it resumes is). A result is
`estimated` when any date it looked at lies in a year without calendar data.
"""
import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from services.common.calendar import OfficialCalendar

ONE_DAY = dt.timedelta(days=1)
MAX_DAYS = 3650


@dataclass(frozen=True)
class Pause:
    """One stop of the clock (暂停计时); `end` is None while it is still paused."""

    start: dt.date
    end: dt.date | None = None

    def covers(self, day: dt.date, open_until: dt.date | None) -> bool:
        end = self.end or open_until
        return self.start <= day and (end is None or day < end)


@dataclass(frozen=True)
class Counted:
    value: object
    estimated: bool


class WorkingDayClock:
    """限时办结: counts working days on the official calendar, skipping paused days."""

    MEMO_LIMIT = 20000

    def __init__(self, calendar: OfficialCalendar):
        self.calendar = calendar
        # Counts without pauses, remembered: the calendar never changes under a clock, and the
        # supervision scan asks the same (today, deadline) pairs for thousands of cases.
        self._memo: dict[tuple, Counted] = {}

    def _remembered(self, key: tuple, count: Callable[[], Counted]) -> Counted:
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= self.MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[key] = count()
        return found

    def counts(self, day: dt.date, pauses: Iterable[Pause] = (), open_until: dt.date | None = None) -> bool:
        """True when `day` is a working day the clock was running on."""
        return self.calendar.is_working_day(day) and not any(p.covers(day, open_until) for p in pauses)

    def deadline(self, start: dt.date, days: int, pauses: Iterable[Pause] = (),
                 as_of: dt.date | None = None) -> Counted:
        """The Nth counted working day after `start`.

        While the clock is still paused, the deadline is the one it would have
        if the clock resumed on `as_of`."""
        if not 0 <= days <= MAX_DAYS:
            raise ValueError(f"days out of range: {days}")
        pauses = tuple(pauses)
        if not pauses:
            return self._remembered(("deadline", start, days), lambda: self._deadline(start, days, (), as_of))
        return self._deadline(start, days, pauses, as_of)

    def _deadline(self, start: dt.date, days: int, pauses: tuple, as_of: dt.date | None) -> Counted:
        day, counted = start, 0
        estimated = self.calendar.is_estimated(start)
        while counted < days:
            day += ONE_DAY
            estimated = estimated or self.calendar.is_estimated(day)
            if self.counts(day, pauses, open_until=as_of):
                counted += 1
        return Counted(day, estimated)

    def working_days_used(self, start: dt.date, end: dt.date, pauses: Iterable[Pause] = ()) -> Counted:
        """Counted working days after `start` up to and including `end`; an open
        pause stops the count from its first day on."""
        pauses = tuple(pauses)
        if not pauses:
            return self._remembered(("used", start, end), lambda: self._used(start, end, ()))
        return self._used(start, end, pauses)

    def _used(self, start: dt.date, end: dt.date, pauses: tuple) -> Counted:
        estimated = self.calendar.is_estimated(start) or self.calendar.is_estimated(end)
        used, day = 0, start
        while day < end:
            day += ONE_DAY
            estimated = estimated or self.calendar.is_estimated(day)
            if self.counts(day, pauses):
                used += 1
        return Counted(used, estimated)

    def deadlines(self, start: dt.date, promised_days: int, statutory_days: int,
                  pauses: Iterable[Pause] = (), as_of: dt.date | None = None) -> dict:
        """{"promised","statutory","estimated"} with ISO dates, as the case view shows them."""
        pauses = tuple(pauses)
        promised = self.deadline(start, promised_days, pauses, as_of)
        statutory = self.deadline(start, statutory_days, pauses, as_of)
        return {
            "promised": promised.value.isoformat(),
            "statutory": statutory.value.isoformat(),
            "estimated": promised.estimated or statutory.estimated,
        }


class CachedClock:
    """The working-day clock over stored calendar years, for a service that reads them itself.

    The years are read at most once per `ttl` seconds (and at once after `invalidate`, which the
    process that saved a year calls), and the clock is rebuilt only when a year's content changed,
    so a case view does not read and parse every year on each call."""

    def __init__(self, load_years: Callable[[], Mapping[int, Mapping]], ttl: float = 1.0,
                 now: Callable[[], float] = time.monotonic):
        self._load, self._ttl, self._now = load_years, ttl, now
        self._clock: WorkingDayClock | None = None
        self._versions: dict | None = None
        self._checked = 0.0

    @staticmethod
    def _versions_of(years: Mapping[int, Mapping]) -> dict:
        return {int(y): (e.get("updated_at"), tuple(e.get("holidays", ())), tuple(e.get("workdays", ())))
                for y, e in years.items()}

    def clock(self) -> WorkingDayClock:
        now = self._now()
        if self._clock is None or now - self._checked >= self._ttl:
            years = self._load()
            versions = self._versions_of(years)
            if self._clock is None or versions != self._versions:
                self._clock, self._versions = WorkingDayClock(OfficialCalendar(years)), versions
            self._checked = now
        return self._clock

    def invalidate(self) -> None:
        self._clock = None
