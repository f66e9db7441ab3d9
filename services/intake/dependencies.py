"""Intake's per-process caches as Nameko dependencies: catalogue items and the calendar."""
from nameko.extensions import DependencyProvider

from services.common.config import setting
from services.common.mongo import service_database
from services.intake.caches import CalendarCache, ItemCache
from services.intake.store import IntakeStore


class CachedCatalogue(DependencyProvider):
    """Catalogue items for submissions, re-checked by version at most once a second."""

    def __init__(self, ttl: float = 1.0):
        self.ttl = ttl
        self.cache = None

    def setup(self):
        store = IntakeStore(service_database(self.container.service_name, self.container.config))
        self.cache = ItemCache(store.get_item, store.item_version, self.ttl)

    def get_dependency(self, worker_ctx):
        return self.cache


DEFAULT_REFRESH_SECONDS = 30   # calendar years change a few times a year; env or nameko config may set it


class CachedCalendar(DependencyProvider):
    """The working-day clock over the calendar years approval keeps (refreshed by a timer)."""

    def setup(self):
        config = self.container.config
        interval = float(config.get("CALENDAR_REFRESH_SECONDS") or setting("CALENDAR_REFRESH_SECONDS")
                         or DEFAULT_REFRESH_SECONDS)
        self.cache = CalendarCache(interval)

    def get_dependency(self, worker_ctx):
        return self.cache
