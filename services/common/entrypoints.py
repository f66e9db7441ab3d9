"""Entrypoints every service shares, inherited by the service classes."""
from nameko.timer import timer

from services.common.config import float_setting
from services.common.rpc import rpc


class Pingable:
    """Answers the gateway's readiness probe (GET /readyz)."""

    @rpc
    def ping(self):
        return "pong"


class OutboxSweeper(Pingable):
    """Publishes events a crash left in the outbox (the service sets `outbox = Outbox(...)`)."""

    @timer(interval=float_setting("OUTBOX_SWEEP_SECONDS"))
    def sweep_outbox(self):
        self.outbox.sweep()
