"""The readiness probe's ping is answered while every worker of the service is busy with events: a
service catching up on a backlog (after a restart, say) is alive and serving
(services/common/rpc.py ReadinessRpc)."""
import time

import eventlet
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from polling import eventually

from gateway.rpc import RpcClient
from services.common.entrypoints import Pingable

STARTED = []


class BusyService(Pingable):
    name = "busy"

    @event_handler("busy_source", "work")
    def work(self, seconds):
        STARTED.append(seconds)
        eventlet.sleep(seconds)


def test_ping_is_answered_while_every_worker_is_taken(service_config, container_factory):
    container = container_factory(BusyService, {**service_config, "max_workers": 2})
    container.start()
    client = RpcClient(service_config["AMQP_URI"], timeout=15)
    try:
        assert client.call("busy", "ping") == "pong"
        dispatch = event_dispatcher(service_config)
        for _ in range(4):
            dispatch("busy_source", "work", 3)
        assert eventually(lambda: len(STARTED) == 2)  # both workers taken, two more events waiting
        began = time.monotonic()
        assert client.call("busy", "ping", timeout=2) == "pong"
        assert time.monotonic() - began < 2
    finally:
        client.close()
