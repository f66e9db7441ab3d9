"""The platform on one machine without Docker: a private RabbitMQ node, a
SecantusDB server for each service and one for the gateway (unless MONGO_URI
points elsewhere), the four services and the gateway under gunicorn.
`python -m deploy.localstack run` is the README's run command; the tests start
the same pieces on other ports.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from services.common.routing import POOLED_SERVICES, parse_pools

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# SecantusDB fsyncs its journal on every commit: a write it acknowledged survives kill -9
# and power loss (services also ask for journaled writes, services/common/mongo.py).
# Standalone: no replica-set advertisement, hence no oplog, which nothing here reads (no change
# streams, no transactions); by default it writes an oplog entry for every document written.
SECANTUS_FLAGS = ("--sync-on-commit", "--standalone")
SERVICES = ("intake", "approval", "notification", "evaluation")
# How long the embedded databases may take to open: SecantusDB reads every stored document as it
# starts (40 s for a 1.2 GB store here), and waiting longer is safe, since a server that exits ends
# the wait at once (databases_ready).
DATABASE_START_SECONDS = 1800
# Database per service: each owner of collections gets a SecantusDB server of its own, on
# mongo_port + its position here. SecantusDB serves every call under one interpreter lock, so
# one server for all would run the whole platform's database work on one core; MongoDB in
# compose has no such limit and may stay one server (docs/operations.md). Intake's is first,
# on mongo_port itself: the bench's least-work baseline writes there, as a submission does.
DATABASE_OWNERS = (*SERVICES, "gateway")
DEV_ADMIN_PASSWORD = "admin-dev-2026"


class ProcessDied(RuntimeError):
    """A process we are waiting for has exited: waiting longer will not help."""


def wait_for(check, what: str, timeout: float = 60.0, interval: float = 0.25, slow: tuple[float, str] | None = None
             ) -> None:
    """Wait until check() is true; `slow` is (seconds, a line printed once if it takes longer)."""
    start = time.monotonic()
    deadline = start + timeout
    while time.monotonic() < deadline:
        if slow and time.monotonic() - start > slow[0]:
            print(slow[1], flush=True)
            slow = None
        try:
            if check():
                return
        except ProcessDied:
            raise
        except Exception:
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} did not come up within {timeout:.0f}s")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RabbitNode:
    """A private RabbitMQ node from Debian's package, data under `base`."""

    def __init__(self, base: Path, amqp_port: int, management_port: int, name: str):
        self.base, self.amqp_port, self.management_port, self.name = Path(base), amqp_port, management_port, name
        self.env = {
            **os.environ,
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_NODENAME": f"{name}@localhost",
            "RABBITMQ_NODE_PORT": str(amqp_port),
            "RABBITMQ_DIST_PORT": str(amqp_port + 20000),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.base / "rabbit.pid"),
        }
        self.process = None

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @property
    def management_uri(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.management_port}"

    def start(self) -> None:
        for sub in ("mnesia", "log"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}\n"
            f"management.tcp.port = {self.management_port}\n"
            "management.tcp.ip = 127.0.0.1\n"
            "loopback_users = none\n"
        )
        (self.base / "enabled_plugins").write_text("[rabbitmq_management].\n")
        if os.geteuid() == 0:  # the start script drops to the rabbitmq user
            _let_others_traverse(self.base.resolve().parent)
            shutil.chown(self.base, "rabbitmq", "rabbitmq")
            subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(self.base)], check=True)
        log = open(self.base / "server.out", "ab")
        self.process = subprocess.Popen(
            ["/usr/sbin/rabbitmq-server"], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(self.ready, f"RabbitMQ on port {self.amqp_port}", timeout=90)

    def ready(self) -> bool:
        if self.process and self.process.poll() is not None:
            raise ProcessDied(f"RabbitMQ exited; see {self.base / 'server.out'}")
        request = urllib.request.Request(f"http://127.0.0.1:{self.management_port}/api/overview")
        request.add_header("Authorization", "Basic Z3Vlc3Q6Z3Vlc3Q=")  # guest:guest
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200 and port_open(self.amqp_port)

    def alive(self) -> bool:
        """The node runs: its start script has not exited and the Erlang VM it started is there."""
        if self.process is None or self.process.poll() is not None:
            return False
        pid = self.vm_pid()
        return pid is None or _pid_alive(pid)

    def vm_pid(self) -> int | None:
        try:
            return int((self.base / "rabbit.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def kill(self) -> None:
        """Die at once, as in a crash (the VM runs in a session of its own, under the rabbitmq user)."""
        pid = self.vm_pid()
        if pid and _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        if self.process:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        if not self.process:
            return
        subprocess.run(
            ["/usr/sbin/rabbitmqctl", "-n", f"{self.name}@localhost", "stop"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60,
        )
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def _let_others_traverse(directory: Path) -> None:
    """The rabbitmq user must reach its data dir: add search permission (x, never read) to any
    ancestor that lacks it, e.g. a checkout under a 0700 home or mktemp directory."""
    for folder in (directory, *directory.parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            print(f"==> letting the rabbitmq user traverse {folder} (o+x)", flush=True)
            folder.chmod(mode | stat.S_IXOTH)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ManagedProcess:
    """A child process with its output in a log file, stopped with SIGTERM."""

    def __init__(self, name: str, argv: list[str], env: dict, log_path: Path):
        self.name, self.argv, self.env, self.log_path = name, argv, env, Path(log_path)
        self.process = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """Die at once, as in a crash."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM) without waiting."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float = 20) -> None:
        self.terminate()
        self.wait_stopped(timeout)

    def wait_stopped(self, timeout: float = 20) -> None:
        """Wait for a process asked to stop; kill it if it has not within `timeout` seconds."""
        if not self.alive():
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def database_server(name: str, port: int, storage: Path, log_path: Path, env: dict | None = None,
                    flags: tuple[str, ...] = SECANTUS_FLAGS) -> ManagedProcess:
    """A SecantusDB server (not yet started) on 127.0.0.1:`port`, keeping its data in `storage`."""
    return ManagedProcess(
        name, [str(Path(PYTHON).parent / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
               "--storage-path", str(storage), "--log-level", "WARNING", *flags],
        dict(os.environ) if env is None else env, log_path)


def stop_together(processes) -> None:
    """Ask every process to stop, then wait for them: they wind down in parallel."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait_stopped()


class Stack:
    """Everything the platform needs, started in order and stopped in reverse."""

    def __init__(self, var: Path, amqp_port: int, management_port: int, mongo_port: int,
                 gateway_port: int, node_name: str, mongo_uri: str | None = None,
                 db_prefix: str = "window", extra_env: dict | None = None):
        self.var = Path(var)
        self.rabbit = RabbitNode(self.var / "rabbitmq", amqp_port, management_port, node_name)
        self.gateway_port = gateway_port
        self.external_mongo = mongo_uri
        self.database_ports = {owner: mongo_port + position for position, owner in enumerate(DATABASE_OWNERS)}
        self.env = {
            **os.environ,
            "AMQP_URI": self.rabbit.amqp_uri,
            "MONGO_DB_PREFIX": db_prefix,
            "PYTHONPATH": str(ROOT),
            "GATEWAY_ADMIN_PASSWORD": os.environ.get("GATEWAY_ADMIN_PASSWORD", DEV_ADMIN_PASSWORD),
            # The local stack is development: the gateway may use its development JWT secret.
            "WINDOW_ENV": os.environ.get("WINDOW_ENV", "development"),
            **(extra_env or {}),
        }
        self.databases: dict[str, ManagedProcess] = {}
        self.services: dict[str, ManagedProcess] = {}
        self.gateway = None

    def database_uri(self, owner: str) -> str:
        """The database `owner` (a service or the gateway) keeps its collections in."""
        return self.external_mongo or f"mongodb://127.0.0.1:{self.database_ports[owner]}/?retryWrites=false"

    def env_for(self, owner: str) -> dict:
        """The environment of a process of `owner`: the stack's, with its own database."""
        return {**self.env, "MONGO_URI": self.database_uri(owner)}

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def check_ports_free(self) -> None:
        """Refuse to start over another running instance (or anything else on our ports)."""
        ports = {"RabbitMQ": self.rabbit.amqp_port, "RabbitMQ management": self.rabbit.management_port,
                 "gateway": self.gateway_port}
        if not self.external_mongo:
            ports.update({f"SecantusDB ({owner})": port for owner, port in self.database_ports.items()})
        busy = [f"{name} {port}" for name, port in ports.items() if port_open(port)]
        if busy:
            raise SystemExit(f"ports already in use ({', '.join(busy)}): is the platform already running?")

    def start_infrastructure(self) -> None:
        self.start_databases()
        self.rabbit.start()
        wait_for(self.databases_ready, "SecantusDB on ports " + ", ".join(map(str, self.database_ports.values())),
                 timeout=DATABASE_START_SECONDS,
                 slow=(30, f"==> the databases are still opening their stores ({self._stored_gb():.1f} GB under "
                           f"{self.var}): SecantusDB reads every stored document as it starts, about a minute "
                           "per 2 GB on 2 cores"))

    def start_databases(self) -> None:
        """Start a SecantusDB server for each owner (none with an external MONGO_URI); see databases_ready."""
        if not self.external_mongo:
            for owner, port in self.database_ports.items():
                self.databases[owner] = database_server(f"mongo-{owner}", port, self._storage(owner),
                                                        self.var / "logs" / f"mongo-{owner}.log", self.env)
                self.databases[owner].start()

    def _stored_gb(self) -> float:
        return sum(f.stat().st_size for owner in self.databases for f in self._storage(owner).rglob("*")
                   if f.is_file()) / 1e9

    def _storage(self, owner: str) -> Path:
        """The owner's data directory. Data kept the earlier way (one server for all, var/mongo) is
        copied to each owner once, so an upgraded local install keeps its cases and accounts: each
        service reads only its own database of its copy. (Dropping the others' databases from each
        copy would take SecantusDB minutes on a large store, so the copies keep them, unread.)"""
        storage, shared = self.var / f"mongo-{owner}", self.var / "mongo"
        if not storage.exists() and shared.is_dir():
            print(f"==> copying {shared} (one database server for all, as kept before) to {storage}; "
                  f"once the platform runs as before, {shared} may be deleted", flush=True)
            shutil.copytree(shared, storage)
        storage.mkdir(parents=True, exist_ok=True)
        return storage

    def databases_ready(self) -> bool:
        for owner, process in self.databases.items():
            if not process.alive():
                raise ProcessDied(f"SecantusDB of {owner} exited; see {process.log_path}")
        return all(port_open(self.database_ports[owner]) for owner in self.databases)

    def children(self) -> list[ManagedProcess]:
        """The processes the run command watches and restarts."""
        return [p for p in (*self.databases.values(), *self.services.values(), self.gateway) if p is not None]

    def supervise(self) -> list[str]:
        """Restart whatever has died, the broker first (everything else needs it); returns what was restarted."""
        restarted = []
        if self.rabbit.process is not None and not self.rabbit.alive():
            self.rabbit.kill()  # whatever is left of it
            self.rabbit.start()
            restarted.append("rabbitmq")
        for process in self.children():
            if not process.alive():
                process.start()
                restarted.append(process.name)
        return restarted

    def service_process(self, name: str, index: int = 0) -> ManagedProcess:
        return ManagedProcess(
            name, [PYTHON, "-m", "services.run", name], self.env_for(name), self.var / "logs" / f"{name}-{index}.log"
        )

    def pool_worker(self, service: str, department: str) -> ManagedProcess:
        """An intake or approval worker serving one department's pool alone (docs/scaling.md)."""
        return ManagedProcess(
            f"{service}-{department}", [PYTHON, "-m", "services.run", service],
            {**self.env_for(service), "DEDICATED_DEPARTMENT": department},
            self.var / "logs" / f"{service}-{department}.log",
        )

    def start_services(self) -> None:
        for name in SERVICES:
            self.services[name] = self.service_process(name)
            self.services[name].start()
        # With DEPARTMENT_POOLS set, each pool gets its own workers, or its work would wait forever.
        for department in parse_pools(self.env.get("DEPARTMENT_POOLS")):
            for service in POOLED_SERVICES:
                worker = self.pool_worker(service, department)
                self.services[worker.name] = worker
                worker.start()

    def start_gateway(self) -> None:
        self.gateway = ManagedProcess(
            "gateway",
            [str(Path(PYTHON).parent / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.gateway_port}", "gateway.app:get_app()"],
            self.env_for("gateway"), self.var / "logs" / "gateway.log",
        )
        self.gateway.start()
        wait_for(self.gateway_ready, f"gateway on port {self.gateway_port}", timeout=90, interval=0.5)

    def gateway_ready(self) -> bool:
        if not self.gateway.alive():
            raise ProcessDied(f"gateway exited; see {self.gateway.log_path}")
        with urllib.request.urlopen(f"{self.gateway_url}/readyz", timeout=5) as response:
            return response.status == 200

    def seed(self) -> dict:
        result = subprocess.run(
            [PYTHON, "-m", "deploy.seed"], env=self.env_for("gateway"), cwd=ROOT, capture_output=True, text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"seeding failed: {result.stderr[-2000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start(self) -> None:
        self.start_infrastructure()
        self.start_services()
        self.start_gateway()

    def stop_services(self) -> None:
        """Stop the gateway and every service together: they finish their work in parallel."""
        stop_together([p for p in (self.gateway, *self.services.values()) if p is not None])

    def stop(self) -> None:
        """Services first; then the broker and the database servers, which need nothing from each other,
        side by side (each takes seconds to close)."""
        self.stop_services()
        broker = threading.Thread(target=self.rabbit.stop)
        broker.start()
        self.stop_databases()
        broker.join()

    def stop_databases(self) -> None:
        stop_together(list(self.databases.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the licensing window platform locally.")
    parser.add_argument("command", choices=["run"])
    parser.parse_args()
    stack = Stack(
        var=Path(os.environ.get("STACK_DIR", ROOT / "var")),
        amqp_port=int(os.environ.get("LOCAL_AMQP_PORT", 5682)),
        management_port=int(os.environ.get("LOCAL_MANAGEMENT_PORT", 15682)),
        mongo_port=int(os.environ.get("LOCAL_MONGO_PORT", 27027)),
        gateway_port=int(os.environ.get("GATEWAY_PORT", 8080)),
        node_name=f"window-local-{os.environ.get('LOCAL_AMQP_PORT', 5682)}",
        mongo_uri=os.environ.get("MONGO_URI"),
    )
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started from a script that ignores SIGINT
    stack.check_ports_free()
    try:
        print("==> starting RabbitMQ and the database", flush=True)
        stack.start_infrastructure()
        print("==> starting the four services and the gateway", flush=True)
        stack.start_services()
        stack.start_gateway()
        summary = stack.seed()
        url = stack.gateway_url
        databases = stack.external_mongo or "\n                           ".join(
            f"{owner:<13}{stack.database_uri(owner)}" for owner in DATABASE_OWNERS)
        print(
            f"""
The licensing window platform is running.
  Gateway (REST API v1):   {url}/v1/items
  OpenAPI document:        {url}/openapi.json
  Health / readiness:      {url}/healthz  {url}/readyz
  Prometheus metrics:      {url}/metrics
  RabbitMQ management:     http://127.0.0.1:{stack.rabbit.management_port}  (guest / guest)
  MongoDB URIs:            {databases}
  Admin account:           admin / {stack.env['GATEWAY_ADMIN_PASSWORD']}
  Demo data:               {json.dumps(summary, ensure_ascii=False)}
  Logs:                    {stack.var / 'logs'}
Press Ctrl-C to stop.""",
            flush=True,
        )
        while True:
            time.sleep(1)
            for name in stack.supervise():
                print(f"{name} exited; restarted (logs: {stack.var / 'logs'})", flush=True)
    except KeyboardInterrupt:
        print("\n==> stopping", flush=True)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
