"""Per-process caches for what every submission needs and almost never changes:
catalogue items and the official calendar. Plain Python: the loaders are passed in.

An item is kept for `ttl` seconds; after that one tiny read compares its version
number and the item is loaded again only if it changed. The calendar (admin-entered
years, owned by approval) is refreshed by a timer, never per submission, and the
working-day clock is rebuilt only when a year's version (its updated_at) changed.
"""
import datetime as dt
import time
from collections.abc import Callable, Mapping

from services.common.calendar import OfficialCalendar
from services.common.clock import WorkingDayClock


class ItemCache:
    def __init__(self, load: Callable[[str], dict | None], version_of: Callable[[str], int | None],
                 ttl: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self._load, self._version_of, self._ttl, self._clock = load, version_of, ttl, clock
        self._entries: dict[str, tuple[dict, float]] = {}

    def get(self, code: str) -> dict | None:
        now = self._clock()
        entry = self._entries.get(code)
        if entry is not None:
            item, checked = entry
            if now - checked < self._ttl:
                return item
            if self._version_of(code) == item["version"]:
                self._entries[code] = (item, now)
                return item
        item = self._load(code)
        if item is None:
            self._entries.pop(code, None)
        else:
            self._entries[code] = (item, now)
        return item

    def put(self, item: dict) -> None:
        """An item this process just saved."""
        self._entries[item["code"]] = (item, self._clock())


def year_version(entry: Mapping) -> tuple:
    return entry.get("updated_at"), tuple(entry.get("holidays", ())), tuple(entry.get("workdays", ()))


class CalendarCache:
    """The working-day clock over bundled data plus the admin years last fetched."""

    def __init__(self, interval: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self._years: dict[int, Mapping] = {}
        self._clock = WorkingDayClock(OfficialCalendar())
        self._interval, self._now, self._next = interval, clock, 0.0
        self._deadlines: dict[tuple, dict] = {}

    def due(self) -> bool:
        """True (once) when it is time to fetch the years again."""
        now = self._now()
        if now < self._next:
            return False
        self._next = now + self._interval
        return True

    @property
    def clock(self) -> WorkingDayClock:
        return self._clock

    def deadlines(self, start: dt.date, promised_days: int, statutory_days: int) -> dict:
        """The clock's deadlines, remembered per (start, promised, statutory) until the calendar changes:
        counting working days day by day is the costliest step of an acceptance otherwise."""
        key = (start, promised_days, statutory_days)
        found = self._deadlines.get(key)
        if found is None:
            if len(self._deadlines) > 4096:
                self._deadlines.clear()
            found = self._deadlines[key] = self._clock.deadlines(start, promised_days, statutory_days)
        return dict(found)

    def update(self, views: list[Mapping]) -> bool:
        """Take fresh year views (approval.get_calendar_year); True when the clock changed."""
        years = dict(self._years)
        for view in views:
            if view.get("source") == "admin":
                years[int(view["year"])] = view
            else:
                years.pop(int(view["year"]), None)
        if {y: year_version(e) for y, e in years.items()} == {y: year_version(e) for y, e in self._years.items()}:
            return False
        self._years = years
        self._clock = WorkingDayClock(OfficialCalendar(years))
        self._deadlines = {}
        return True
