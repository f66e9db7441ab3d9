"""Entrypoints every service shares: the RPC decorator every service uses, and
the ping and outbox-sweep entrypoints inherited by the service classes.

`rpc` is nameko's RPC entrypoint with two additions, in this one place every
RPC passes through:
- a call that passes an `actor` must carry the gateway's signature
  (services/common/actor_claims.py) when the service is configured with
  ACTOR_SIGNING_KEY (always, in services.run); otherwise it is refused with
  Forbidden before any worker runs;
- domain errors (4xx) are expected: nameko logs them as warnings, and the
  logging filter drops their traceback (services/common/logs.py).
"""
import inspect
import logging
import sys

from nameko.rpc import Rpc
from nameko.timer import timer

from services.common import actor_claims
from services.common.config import float_setting
from services.common.errors import DomainError, Forbidden

log = logging.getLogger(__name__)


class VerifiedRpc(Rpc):
    def __init__(self, expected_exceptions=DomainError, **kwargs):
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def handle_message(self, body, message):
        key = self.container.config.get("ACTOR_SIGNING_KEY")
        if key and isinstance(body, dict) and self._passes_actor(body.get("args") or [], body.get("kwargs") or {}):
            headers = message.headers or {}
            signature = headers.get("nameko." + actor_claims.SIGNATURE_HEADER)
            signed_at = headers.get("nameko." + actor_claims.SIGNED_AT_HEADER)
            route = f"{self.container.service_name}.{self.method_name}"
            if not actor_claims.verify(key, route, body.get("args") or [], body.get("kwargs") or {}, signature,
                                       signed_at):
                log.warning("refused %s: actor without a valid gateway signature", route)
                try:
                    raise Forbidden("调用方身份未经网关签名，拒绝执行")
                except Forbidden:
                    self.rpc_consumer.handle_result(message, None, sys.exc_info())
                return
        super().handle_message(body, message)

    def _passes_actor(self, args, kwargs) -> bool:
        method = getattr(self.container.service_cls, self.method_name)
        try:
            bound = inspect.signature(method).bind(None, *args, **kwargs)
        except TypeError:
            return False  # nameko answers the bad signature itself
        return bound.arguments.get("actor") is not None


rpc = VerifiedRpc.decorator


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
