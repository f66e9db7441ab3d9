"""Nameko wiring of evaluation settings: read from the service config (so tests
can set them), else the environment, else the documented default."""
from dataclasses import dataclass

from nameko.extensions import DependencyProvider

from services.common.config import setting
from services.evaluation import complaint_steps, follow_ups, timing


@dataclass(frozen=True)
class Settings:
    rectify_working_days: int   # RECTIFY_WORKING_DAYS: a bad rating's follow-up limit (5..15, default 15)
    complaint_limits: dict      # COMPLAINT_STEP_LIMITS: "received=1,assigned=2,investigating=10,..."
    warn_days: int              # SUPERVISION_WARN_DAYS: yellow from this many working days before a due date


class EvaluationSettings(DependencyProvider):
    def setup(self):
        def read(name):
            return self.container.config.get(name) or setting(name)

        self.settings = Settings(
            rectify_working_days=follow_ups.rectify_days(read("RECTIFY_WORKING_DAYS")),
            complaint_limits=complaint_steps.parse_limits(read("COMPLAINT_STEP_LIMITS")),
            warn_days=int(read("SUPERVISION_WARN_DAYS") or timing.DEFAULT_WARN_DAYS),
        )

    def get_dependency(self, worker_ctx):
        return self.settings
