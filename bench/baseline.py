"""Starts and stops the baseline: the trivial Nameko service and the bare
gunicorn+Falcon app, on the platform's broker, on a free loopback port."""
import os
import urllib.request
from pathlib import Path

from deploy.localstack import PYTHON, ROOT, ManagedProcess, free_port, wait_for

GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


class Baseline:
    def __init__(self, amqp_uri: str, logs: Path, workers: int, threads: int):
        self.port = free_port()
        env = {**os.environ, "AMQP_URI": amqp_uri, "PYTHONPATH": str(ROOT),
               "GATEWAY_WORKERS": str(workers), "GATEWAY_THREADS": str(threads),
               "GATEWAY_RATE_LIMIT": "0", "LOG_LEVEL": "WARNING"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        gunicorn = [str(Path(PYTHON).parent / "gunicorn")]
        if GUNICORN_CONFIG.exists():  # the gateway's own worker class, workers and threads
            gunicorn += ["--config", str(GUNICORN_CONFIG)]
        else:
            gunicorn += ["--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads)]
        gunicorn += ["--bind", f"127.0.0.1:{self.port}", "bench.baseline_app:get_app()"]
        self.service = ManagedProcess("baseline-service", [PYTHON, "-m", "bench.baseline_service"],
                                      env, logs / "baseline-service.log")
        self.app = ManagedProcess("baseline-app", gunicorn, env, logs / "baseline-app.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ping"

    def answers(self) -> bool:
        for process in (self.service, self.app):
            if not process.alive():
                raise RuntimeError(f"{process.name} exited; see {process.log_path}")
        with urllib.request.urlopen(self.url, timeout=5) as response:
            return response.status == 200

    def start(self) -> None:
        self.service.start()
        self.app.start()
        wait_for(self.answers, "the baseline (gunicorn + one RPC)", timeout=60, interval=0.5)

    def stop(self) -> None:
        self.app.stop()
        self.service.stop()
