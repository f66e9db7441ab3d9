"""Waiting for asynchronous work in tests (events, timers, restarts): one polling helper for every suite."""
import time


def eventually(check, timeout: float = 15.0, interval: float = 0.2):
    """Poll `check` until it returns something truthy and return that; fail with its last answer."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last answer: {last!r}")
