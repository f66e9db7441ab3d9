"""The gateway's RPC client under faults, on a real broker: a blocked broker, a silent service,
expired requests. Every failure is a 503 within the call's timeout, and nothing answered 503 runs later."""
import subprocess
import threading
import time

import eventlet
import pytest
from kombu import Connection, Producer

from gateway.replies import RPC_EXCHANGE
from gateway.rpc import RpcClient
from services.common.errors import Unavailable
from services.common.rpc import DEADLINE_HEADER, rpc

RAN: list = []


class CountingService:
    name = "counting"

    @rpc
    def record(self, tag):
        RAN.append(tag)
        return tag

    @rpc
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return "late"


@pytest.fixture
def counting(service_config, container_factory):
    RAN.clear()
    container = container_factory(CountingService, service_config)
    container.start()
    return container


def test_request_for_a_stopped_service_expires_and_never_runs(counting, service_config, container_factory):
    client = RpcClient(service_config["AMQP_URI"], timeout=0.5)
    try:
        assert client.call("counting", "record", "warm-up") == "warm-up"
        counting.stop()  # its queue stays bound: the request waits there
        started = time.monotonic()
        with pytest.raises(Unavailable):
            client.call("counting", "record", "too-late")
        assert time.monotonic() - started < 1.5
        time.sleep(0.3)
        container_factory(CountingService, service_config).start()
        client.guard.answered("counting")  # the circuit opened on the timeout; we know it is back
        assert client.call("counting", "record", "fresh", timeout=5) == "fresh"
        assert RAN == ["warm-up", "fresh"]
    finally:
        client.close()


def test_service_refuses_a_request_past_its_deadline(counting, service_config):
    """A request already delivered to a stalled service (no broker TTL can help) is refused when it resumes."""
    with Connection(service_config["AMQP_URI"]) as connection:
        Producer(connection.channel()).publish(
            {"args": ["stale"], "kwargs": {}}, exchange=RPC_EXCHANGE, routing_key="counting.record",
            headers={DEADLINE_HEADER: time.time() - 1}, serializer="json",
            reply_to="rpc.reply-nobody", correlation_id="stale-1")
    client = RpcClient(service_config["AMQP_URI"], timeout=5)
    try:
        assert client.call("counting", "record", "after") == "after"
        assert RAN == ["after"]
    finally:
        client.close()


def test_a_stalled_service_holds_a_bounded_number_of_threads(counting, service_config):
    client = RpcClient(service_config["AMQP_URI"], timeout=1.5, service_concurrency=2)
    client.guard.stall_after = 0.2
    outcomes = []

    def slow_call():
        try:
            outcomes.append(client.call("counting", "slow", 5))
        except Unavailable:
            outcomes.append("503")

    try:
        callers = [threading.Thread(target=slow_call) for _ in range(2)]
        for caller in callers:
            caller.start()
        time.sleep(0.5)
        started = time.monotonic()
        for _ in range(5):  # more callers: refused at once, they do not wait
            with pytest.raises(Unavailable, match="繁忙"):
                client.call("counting", "slow", 5)
        assert time.monotonic() - started < 0.5
        for caller in callers:
            caller.join(timeout=5)
        assert outcomes == ["503", "503"]
        started = time.monotonic()
        with pytest.raises(Unavailable, match="暂无响应"):  # known stalled: 503 at once
            client.call("counting", "record", "x")
        assert time.monotonic() - started < 0.2
    finally:
        client.close()


def rabbitmqctl(broker, *args):
    subprocess.run(["/usr/sbin/rabbitmqctl", "-n", f"{broker.name}@localhost", *args], env=broker.env,
                   check=True, capture_output=True, timeout=60)


def test_blocked_broker_answers_503_within_the_timeout(counting, service_config, broker):
    client = RpcClient(service_config["AMQP_URI"], timeout=2)
    try:
        assert client.call("counting", "record", "before") == "before"
        rabbitmqctl(broker, "set_vm_memory_high_watermark", "0")  # memory alarm: publishers are blocked
        try:
            for _ in range(2):
                started = time.monotonic()
                with pytest.raises(Unavailable):
                    client.call("counting", "record", "blocked")
                assert time.monotonic() - started < 2.5
        finally:
            rabbitmqctl(broker, "set_vm_memory_high_watermark", "0.4")
        deadline = time.monotonic() + 15
        while True:
            try:
                assert client.call("counting", "record", "after") == "after"
                break
            except Unavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert "blocked" not in RAN
    finally:
        client.close()
