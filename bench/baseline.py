"""Starts and stops the baselines: the baseline Nameko service and the bare
gunicorn+Falcon app, on the platform's broker and database, on a free loopback port."""
import os
import urllib.request
from pathlib import Path

from bench import BASELINE_DATABASE, BASELINE_EVENTS
from deploy.localstack import PYTHON, ROOT, ManagedProcess, free_port, wait_for

GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


class Baseline:
    def __init__(self, amqp_uri: str, mongo_uri: str, logs: Path, workers: int, threads: int):
        self.port = free_port()
        self.amqp_uri, self.mongo_uri = amqp_uri, mongo_uri
        env = {**os.environ, "AMQP_URI": amqp_uri, "MONGO_URI": mongo_uri, "PYTHONPATH": str(ROOT),
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

    @property
    def submit_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/submit"

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

    def clean(self) -> None:
        """Drop what the least-work baseline stored and published."""
        from kombu import Connection
        from pymongo import MongoClient

        MongoClient(self.mongo_uri, serverSelectionTimeoutMS=5000).drop_database(BASELINE_DATABASE)
        with Connection(self.amqp_uri) as connection:
            connection.default_channel.queue_delete(BASELINE_EVENTS)
