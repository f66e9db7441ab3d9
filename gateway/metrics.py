"""Prometheus metrics: request counts and latency by route and status.

Under gunicorn, deploy/gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before
any worker imports prometheus_client, so every worker writes its samples to
files there and `GET /metrics` aggregates all workers (prometheus_client's
multiprocess mode; gauges are not used). Without it (tests, one process), each
app has a registry of its own.
"""
import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector


class Metrics:
    def __init__(self):
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        own = None if self.multiprocess else self.registry
        if self.multiprocess:
            MultiProcessCollector(self.registry)
        self.requests = Counter("gateway_http_requests_total", "HTTP requests handled by the gateway",
                                ["method", "route", "status"], registry=own)
        self.latency = Histogram("gateway_http_request_duration_seconds", "Gateway request latency",
                                 ["method", "route"], registry=own,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
