"""gateway/breaker.py: the per-service limit and the circuit that answers 503 at once for a stalled service."""
import pytest

from gateway.breaker import ServiceGuard
from services.common.errors import Unavailable


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_silent_service_holds_at_most_limit_calls_and_others_are_unaffected():
    clock = Clock()
    guard = ServiceGuard(limit=2, cooldown=1.0, stall_after=1.0, clock=clock)
    with guard.admit("intake"), guard.admit("intake"):
        with guard.admit("intake"):  # it answered recently: busy, not stalled
            guard.answered("intake")
        clock.now += 1.5  # nothing answered since
        with pytest.raises(Unavailable, match="繁忙"):
            with guard.admit("intake"):
                pass
        with guard.admit("approval"), guard.admit("approval"), guard.admit("approval"):
            pass  # another service still has its threads
    with guard.admit("intake"):  # released again
        pass


def test_a_burst_after_a_quiet_spell_is_not_taken_for_a_stall():
    """Nothing answered for a minute because nothing was asked: the burst's calls all go through."""
    clock = Clock()
    guard = ServiceGuard(limit=2, cooldown=1.0, stall_after=1.0, clock=clock)
    with guard.admit("approval"):
        guard.answered("approval")
    clock.now += 60
    with guard.admit("approval"), guard.admit("approval"), guard.admit("approval"):
        clock.now += 0.5
        with guard.admit("approval"):
            pass
        clock.now += 1.0  # now they have waited 1.5 s with no answer: stalled
        with pytest.raises(Unavailable, match="繁忙"):
            with guard.admit("approval"):
                pass


def test_timeout_opens_circuit_until_a_trial_call_answers():
    clock = Clock()
    guard = ServiceGuard(limit=5, cooldown=2.0, clock=clock)
    guard.timed_out("approval")
    with pytest.raises(Unavailable, match="暂无响应"):
        with guard.admit("approval"):
            pass
    clock.now += 2.5
    with guard.admit("approval"):  # the one trial call
        with pytest.raises(Unavailable):  # while it runs, everyone else gets 503 at once
            with guard.admit("approval"):
                pass
        guard.answered("approval")
    assert not guard.is_open("approval")
    with guard.admit("approval"), guard.admit("approval"):
        pass


def test_failed_trial_keeps_circuit_open_for_another_cooldown():
    clock = Clock()
    guard = ServiceGuard(limit=5, cooldown=1.0, clock=clock)
    guard.timed_out("evaluation")
    clock.now += 1.1
    with guard.admit("evaluation"):
        guard.timed_out("evaluation")
    clock.now += 0.5
    with pytest.raises(Unavailable):
        with guard.admit("evaluation"):
            pass
    clock.now += 0.6
    with guard.admit("evaluation"):
        pass
