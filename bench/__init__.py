"""Throughput and latency of the running platform against a baseline measured in the same run."""

# The baseline's trivial Nameko service (bench/baseline_service.py), called by bench/baseline_app.py.
BASELINE_SERVICE = "bench_baseline"
