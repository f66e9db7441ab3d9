"""Admin-entered calendar years for services other than approval (which stores them), cached.

Approval keeps the years admins enter (`approval.calendar_years`); intake and
evaluation count working days too and must use the same years. Each process
asks approval at most once per `ttl` seconds and keeps the last answer when
approval does not reply (bundled data then still covers the known years).
"""
import logging
import threading
import time
from collections.abc import Callable

from services.common.calendar import OfficialCalendar
from services.common.clock import WorkingDayClock

log = logging.getLogger(__name__)
DEFAULT_TTL = 60.0


class CalendarCache:
    def __init__(self, ttl: float = DEFAULT_TTL, now: Callable[[], float] = time.monotonic):
        self.ttl, self._now = ttl, now
        self._years: dict | None = None
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def years(self, fetch: Callable[[], dict]) -> dict:
        """{year: {"holidays","workdays"}}, fetched again once older than ttl."""
        with self._lock:
            fresh = self._fetched_at is not None and self._now() - self._fetched_at < self.ttl
            if not fresh:
                try:
                    self._years = {int(year): entry for year, entry in (fetch() or {}).items()}
                    self._fetched_at = self._now()
                except Exception as exc:  # keep the last answer; try again on the next call
                    log.warning("calendar years not refreshed: %r", exc)
            return dict(self._years or {})

    def clock(self, fetch: Callable[[], dict]) -> WorkingDayClock:
        return WorkingDayClock(OfficialCalendar(self.years(fetch)))

    def invalidate(self) -> None:
        with self._lock:
            self._fetched_at = None


# One per process: every worker of a service shares it.
SHARED = CalendarCache()
