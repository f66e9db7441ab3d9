"""Throughput and latency of the running platform against baselines measured in the same run."""

# The baselines' Nameko service (bench/baseline_service.py), called by bench/baseline_app.py.
BASELINE_SERVICE = "bench_baseline"
# Where the least-work baseline stores (a database of its own) and publishes (a durable queue of its own).
BASELINE_DATABASE = "bench_baseline"
BASELINE_EVENTS = "bench_baseline.events"
