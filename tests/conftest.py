"""Test fixtures: a private RabbitMQ node and SecantusDB for the whole session,
and the full stack (services + gunicorn gateway) for end-to-end tests."""
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import summary_lines

from deploy.localstack import RabbitNode, Stack, database_server, port_open, wait_for

TEST_AMQP_PORT = int(os.environ.get("TEST_AMQP_PORT", 5692))
TEST_MANAGEMENT_PORT = int(os.environ.get("TEST_MANAGEMENT_PORT", 15692))
TEST_MONGO_PORT = int(os.environ.get("TEST_MONGO_PORT", 27037))
TEST_GATEWAY_PORT = int(os.environ.get("TEST_GATEWAY_PORT", 8091))
# The session stack's own database servers, one per service as the run command starts them, on
# five ports from here (the fault suite takes TEST_MONGO_PORT +5 to +9, test_durability +10).
TEST_STACK_MONGO_PORT = TEST_MONGO_PORT + 15


# Issue 8: loopback webhook receivers (a development setting), quick webhook retries, logins not throttled
# across the whole suite (tests of the limits use their own small settings).
PROVINCE_ENV = {"WINDOW_ENV": "development", "WEBHOOK_ALLOW_PRIVATE": "1", "WEBHOOK_SWEEP_SECONDS": "0.5",
                "WEBHOOK_RETRY_BASE_SECONDS": "0.3", "WEBHOOK_MAX_ATTEMPTS": "3", "GATEWAY_LOGIN_RATE": "1000"}


@pytest.fixture(scope="session")
def test_var():
    path = Path(tempfile.mkdtemp(prefix="window-tests-"))
    path.chmod(0o755)  # RabbitMQ runs as the rabbitmq user and must reach its data dir
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def broker(test_var):
    """A real RabbitMQ node (with the management plugin) for the session."""
    node = RabbitNode(test_var / "rabbitmq", TEST_AMQP_PORT, TEST_MANAGEMENT_PORT, f"window-test-{TEST_AMQP_PORT}")
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def mongo_uri(test_var):
    """A real MongoDB wire-protocol server (SecantusDB) for the session."""
    if os.environ.get("TEST_MONGO_URI"):
        yield os.environ["TEST_MONGO_URI"]
        return
    process = database_server("mongo", TEST_MONGO_PORT, test_var / "mongo", test_var / "logs" / "mongo.log")
    process.start()
    wait_for(lambda: port_open(TEST_MONGO_PORT), "SecantusDB")
    yield f"mongodb://127.0.0.1:{TEST_MONGO_PORT}/?retryWrites=false"
    process.stop()


@pytest.fixture
def db_prefix():
    """A database prefix of its own for each test, so tests never share data."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def service_config(broker, mongo_uri, db_prefix, rabbit_config):
    """Nameko config for a service under test: a fresh vhost (nameko's
    rabbit_config) on the real broker, a fresh database prefix, the whole
    event topology declared."""
    from services.common.topology import declare_topology

    config = dict(rabbit_config)
    config.update({"MONGO_URI": mongo_uri, "MONGO_DB_PREFIX": db_prefix, "serializer": "json"})
    declare_topology(config["AMQP_URI"])
    return config


@pytest.fixture(scope="session")
def stack(broker, test_var):
    """The four services and the gateway (gunicorn) on the session's broker, each with a database
    server of its own as `scripts/run.sh` runs them (or all on TEST_MONGO_URI when that is set)."""
    platform = Stack(
        var=test_var / "stack", amqp_port=TEST_AMQP_PORT, management_port=TEST_MANAGEMENT_PORT,
        mongo_port=TEST_STACK_MONGO_PORT, gateway_port=TEST_GATEWAY_PORT, node_name=f"window-test-{TEST_AMQP_PORT}",
        mongo_uri=os.environ.get("TEST_MONGO_URI"), db_prefix="e2e",
        extra_env={"GATEWAY_ADMIN_PASSWORD": "admin-test-pw", **PROVINCE_ENV},
    )
    platform.rabbit = broker  # already running
    platform.start_databases()
    try:
        wait_for(platform.databases_ready, "the session stack's SecantusDB servers")
        platform.start_services()
        platform.start_gateway()
        platform.seed()
        yield platform
    finally:
        platform.stop_services()
        platform.stop_databases()


def pytest_terminal_summary(terminalreporter):
    """What tests asked to show even when they pass (tests/summary_lines.py)."""
    for line in summary_lines.LINES:
        terminalreporter.write_line(line)
