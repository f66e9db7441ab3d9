# nameko's test tools and the services run on eventlet: patch before anything imports sockets.
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402


def pytest_configure(config):
    """Point nameko's vhost-per-test fixtures at the private test broker (ports from the env)."""
    amqp = int(os.environ.get("TEST_AMQP_PORT", 5692))
    management = int(os.environ.get("TEST_MANAGEMENT_PORT", 15692))
    config.option.RABBIT_AMQP_URI = f"amqp://guest:guest@127.0.0.1:{amqp}/"
    config.option.RABBIT_API_URI = f"http://guest:guest@127.0.0.1:{management}"
