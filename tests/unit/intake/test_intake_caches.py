"""Intake's caches: catalogue items re-checked by version, the calendar rebuilt only on change."""
import datetime as dt

from services.intake.caches import CalendarCache, ItemCache


class Catalogue:
    def __init__(self):
        self.items = {"A": {"code": "A", "version": 1, "name": "一"}}
        self.loads, self.checks = 0, 0

    def load(self, code):
        self.loads += 1
        item = self.items.get(code)
        return dict(item) if item else None

    def version_of(self, code):
        self.checks += 1
        return self.items[code]["version"] if code in self.items else None


def test_an_item_is_read_once_then_checked_by_version_after_the_ttl():
    now = [0.0]
    catalogue = Catalogue()
    cache = ItemCache(catalogue.load, catalogue.version_of, ttl=1.0, clock=lambda: now[0])
    assert cache.get("A")["name"] == "一" and cache.get("A")["name"] == "一"
    assert (catalogue.loads, catalogue.checks) == (1, 0)
    now[0] = 1.5
    assert cache.get("A")["version"] == 1 and (catalogue.loads, catalogue.checks) == (1, 1)
    catalogue.items["A"] = {"code": "A", "version": 2, "name": "二"}
    assert cache.get("A")["name"] == "一"          # within the ttl of the last check
    now[0] = 3.0
    assert cache.get("A")["name"] == "二" and (catalogue.loads, catalogue.checks) == (2, 2)


def test_unknown_items_are_not_cached_and_own_edits_are_seen_at_once():
    catalogue = Catalogue()
    cache = ItemCache(catalogue.load, catalogue.version_of, ttl=60)
    assert cache.get("B") is None and cache.get("B") is None and catalogue.loads == 2
    cache.put({"code": "A", "version": 7, "name": "七"})
    assert cache.get("A")["version"] == 7 and catalogue.loads == 2


def test_calendar_rebuilds_the_clock_only_when_a_year_changes():
    cache = CalendarCache()
    start = dt.date(2026, 11, 23)
    bundled = cache.clock.deadlines(start, 10, 20)
    assert not cache.update([{"year": 2026, "source": "bundled"}, {"year": 2027, "source": "weekdays"}])
    holidays = {"year": 2026, "source": "admin", "updated_at": "t1", "holidays": ["2026-11-24"], "workdays": []}
    assert cache.update([holidays])
    clock = cache.clock
    assert clock.deadlines(start, 10, 20)["promised"] > bundled["promised"]
    assert not cache.update([dict(holidays)]) and cache.clock is clock   # same version: same clock
    assert cache.update([{"year": 2026, "source": "bundled"}])           # the admin entry withdrawn
    assert cache.clock.deadlines(start, 10, 20) == bundled


def test_calendar_fetches_are_due_once_per_interval():
    now = [100.0]
    cache = CalendarCache(interval=30, clock=lambda: now[0])
    assert cache.due() and not cache.due()
    now[0] = 129.0
    assert not cache.due()
    now[0] = 130.0
    assert cache.due()


def test_deadlines_are_remembered_until_the_calendar_changes():
    cache = CalendarCache()
    start = dt.date(2026, 11, 23)
    first = cache.deadlines(start, 10, 20)
    assert first == cache.clock.deadlines(start, 10, 20) == {"promised": "2026-12-07", "statutory": "2026-12-21",
                                                               "estimated": False}
    first["promised"] = "changed by a caller"
    assert cache.deadlines(start, 10, 20)["promised"] == "2026-12-07"
    cache.update([{"year": 2026, "source": "admin", "updated_at": "t", "holidays": ["2026-11-24"], "workdays": []}])
    assert cache.deadlines(start, 10, 20)["promised"] == "2026-12-08"
