"""A bounded closed-loop load: N threads, each with its own HTTP session, issue
requests until `count` are done or `duration` seconds pass, timing each one."""
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

# (session, worker index, request index) -> HTTP status; raises on transport errors.
Request = Callable[[requests.Session, int, int], int]


@dataclass
class Result:
    name: str
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    statuses: Counter = field(default_factory=Counter)
    failures: int = 0

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000

    def summary(self) -> dict:
        return {"operation": self.name, "requests_ok": self.ok, "failures": self.failures,
                "statuses": dict(self.statuses), "seconds": round(self.elapsed, 3),
                "per_second": round(self.throughput, 1), "p50_ms": round(self.percentile(50), 2),
                "p99_ms": round(self.percentile(99), 2)}


def run_load(name: str, request: Request, threads: int, count: int, duration: float,
             ok_statuses: tuple[int, ...] = (200,), warmup: int = 0) -> Result:
    result = Result(name)
    lock = threading.Lock()
    issued = 0
    sessions = [requests.Session() for _ in range(threads)]
    for i in range(warmup):  # connections and caches warm, not timed
        request(sessions[i % threads], i % threads, -1 - i)

    def worker(index: int, deadline: float) -> None:
        nonlocal issued
        session = sessions[index]
        while time.monotonic() < deadline:
            with lock:
                if issued >= count:
                    return
                issued += 1
                number = issued
            started = time.perf_counter()
            try:
                status = request(session, index, number)
            except requests.RequestException:
                status = None
            took = time.perf_counter() - started
            with lock:
                result.statuses[status or "error"] += 1
                if status in ok_statuses:
                    result.latencies.append(took)
                else:
                    result.failures += 1

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(i, started + duration), daemon=True) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(duration + 60)  # a request's own timeout bounds the overrun
    result.elapsed = time.monotonic() - started
    for session in sessions:
        session.close()
    return result
