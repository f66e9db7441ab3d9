"""Nameko wiring of evaluation settings: read from the service config (so tests
can set them), else the environment, else the documented default."""
from nameko.extensions import DependencyProvider

from services.common.config import setting
from services.evaluation.ratings import DEFAULT_RECTIFY_WORKING_DAYS


class RectifyWorkingDays(DependencyProvider):
    """Injects RECTIFY_WORKING_DAYS: the working days a bad rating's follow-up has (localities use 5-15)."""

    def setup(self):
        value = self.container.config.get("RECTIFY_WORKING_DAYS") or setting("RECTIFY_WORKING_DAYS")
        self.days = int(value) if value else DEFAULT_RECTIFY_WORKING_DAYS

    def get_dependency(self, worker_ctx):
        return self.days
