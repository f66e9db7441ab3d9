"""How many gateway threads one service may hold: a concurrency limit and a circuit breaker.

A stalled service (stopped, stuck on its database) would otherwise hold every
thread that calls it for the whole RPC timeout, and with them the gateway.
`ServiceGuard.admit(service)` lets at most `limit` calls wait on a service
that has not answered anything for `stall_after` seconds (a busy service that
keeps answering is not limited); and once a call to it has timed out, the
circuit is open: further calls answer 503 at once, except one trial call per
`cooldown` seconds, whose answer closes the circuit again. Pure Python (no
broker), unit-tested.
"""
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from services.common.errors import Unavailable


@dataclass
class _State:
    in_flight: int = 0
    open: bool = False
    retry_at: float = 0.0
    trial: bool = False
    last_answer: float = 0.0
    busy_since: float = 0.0  # when the calls now in flight began to wait (the first of them)


class ServiceGuard:
    def __init__(self, limit: int = 6, cooldown: float = 1.0, stall_after: float = 1.0, clock=time.monotonic):
        self.limit, self.cooldown, self.stall_after, self.clock = limit, cooldown, stall_after, clock
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}

    @contextmanager
    def admit(self, service: str):
        """Raises Unavailable at once when the service is known stalled or already holds `limit` threads."""
        trial = self._enter(service)
        try:
            yield
        finally:
            with self._lock:
                state = self._states[service]
                state.in_flight -= 1
                if trial:
                    state.trial = False

    def timed_out(self, service: str) -> None:
        """A call got no answer in time: open the circuit (or keep it open) for another cooldown."""
        with self._lock:
            state = self._state(service)
            state.open, state.retry_at = True, self.clock() + self.cooldown

    def answered(self, service: str) -> None:
        with self._lock:
            state = self._state(service)
            state.open, state.last_answer = False, self.clock()

    def is_open(self, service: str) -> bool:
        with self._lock:
            return self._states.get(service, _State()).open

    def _enter(self, service: str) -> bool:
        with self._lock:
            state = self._state(service)
            trial = False
            if state.open:
                if state.trial or self.clock() < state.retry_at:
                    raise Unavailable(f"服务 {service} 暂无响应，请稍后重试")
                state.trial = trial = True
            # Silent: calls have waited longer than stall_after and none was answered meanwhile. Not merely
            # "nothing answered lately": after a quiet spell nobody asked, and a burst must not be refused.
            silent = self.clock() - max(state.last_answer, state.busy_since) > self.stall_after
            if state.in_flight >= self.limit and silent:
                if trial:
                    state.trial = False
                raise Unavailable(f"服务 {service} 繁忙，请稍后重试")
            if state.in_flight == 0:
                state.busy_since = self.clock()
            state.in_flight += 1
            return trial

    def _state(self, service: str) -> _State:
        if service not in self._states:
            self._states[service] = _State(last_answer=self.clock())
        return self._states[service]
