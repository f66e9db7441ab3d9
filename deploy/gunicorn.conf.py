"""gunicorn settings for the gateway: `gunicorn --config deploy/gunicorn.conf.py "gateway.app:get_app()"`.

gthread workers (the RPC client is thread-safe; gunicorn 27 has no eventlet
worker). Workers and threads per worker come from the environment so centre
IT can size the gateway without editing files. Prometheus runs in
multiprocess mode: every worker writes samples under PROMETHEUS_MULTIPROC_DIR
and /metrics sums all workers.
"""
import os
import shutil
import sys
import tempfile

worker_class = "gthread"
workers = int(os.environ.get("GATEWAY_WORKERS", 2))
threads = int(os.environ.get("GATEWAY_THREADS", 8))
bind = os.environ.get("GATEWAY_BIND", "127.0.0.1:8080")
timeout = int(os.environ.get("GATEWAY_WORKER_TIMEOUT", 60))
graceful_timeout = 20
keepalive = 5
# The app logs one JSON line per request (gateway.access) with the request id; gunicorn's own access log is off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Requests gunicorn refuses itself (request line over 4094 bytes: 414; too many or too large headers)
# are answered as problem+json (deploy/gunicorn_errors.py).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from deploy.gunicorn_errors import install as _problem_json_errors  # noqa: E402

_problem_json_errors()

# Set before any worker imports prometheus_client; a fresh directory per master start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gateway-prometheus-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir.startswith(tempfile.gettempdir()) and "gateway-prometheus-" in _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
