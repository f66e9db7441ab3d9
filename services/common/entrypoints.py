"""Entrypoints and dependencies every service shares, inherited by the service classes."""
import logging

import eventlet
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from services.common.config import float_setting
from services.common.errors import Unavailable
from services.common.rpc import readiness_rpc

log = logging.getLogger(__name__)


class QuietTimer(Timer):
    """nameko's timer, minus a traceback: a container killed before its timers started (a worker refusing
    its configuration at setup) made nameko's Timer.kill fail on the thread it never spawned."""

    def stop(self):
        if self.gt is not None:
            super().stop()

    def kill(self):
        if self.gt is not None:
            super().kill()


timer = QuietTimer.decorator


class WorkerDeadline(DependencyProvider):
    """Bounds every worker (RPC, event handler, timer tick) to WORKER_TIMEOUT_SECONDS.

    Every blocking call has a timeout of its own (services/common/mongo.py, publisher.py, rpc.py); this is
    the backstop for a wait nobody bounded. nameko gives handlers and timers none: one call stuck on a dead
    socket or a lock would hold its worker forever, and a timer waits for its last tick to end before the
    next, so a stuck sweep would stop sweeping for good. At the deadline the worker is interrupted where it
    waits, with Unavailable: an RPC caller gets 503, an event is retried (services/common/handlers.py), a
    timer ticks again. Interrupting at a wait is no worse than a crash there, which everything survives."""

    def setup(self):
        configured = self.container.config.get("WORKER_TIMEOUT_SECONDS")
        self.seconds = float(configured) if configured else float_setting("WORKER_TIMEOUT_SECONDS")

    def worker_setup(self, worker_ctx):
        # The service instance is the worker's own: wrapping its method here bounds only this call.
        name = worker_ctx.entrypoint.method_name
        method, seconds = getattr(worker_ctx.service, name), self.seconds
        route = f"{worker_ctx.service_name}.{name}"

        def bounded(*args, **kwargs):
            stuck = Unavailable(f"{route} 未在 {seconds:g} 秒内完成")
            try:
                with eventlet.Timeout(seconds, stuck):
                    return method(*args, **kwargs)
            except Unavailable as exc:
                if exc is stuck:
                    log.error("%s interrupted after %gs, stuck here:", route, seconds, exc_info=True)
                raise

        setattr(worker_ctx.service, name, bounded)


class Pingable:
    """Answers the gateway's readiness probe (GET /readyz), outside the worker pool; every worker bounded
    in time."""

    worker_deadline = WorkerDeadline()

    @readiness_rpc
    def ping(self):  # called without an instance (services/common/rpc.py ReadinessRpc)
        return "pong"


class OutboxSweeper(Pingable):
    """Publishes events a crash left in the outbox (the service sets `outbox = Outbox(...)`)."""

    @timer(interval=float_setting("OUTBOX_SWEEP_SECONDS"))
    def sweep_outbox(self):
        self.outbox.sweep()
