"""gateway/rpc.py against a real broker and a tiny nameko service: results, remote errors,
timeouts, unroutable calls, and many concurrent callers each getting their own answer."""
import threading
import time

import eventlet
import pytest
from nameko.rpc import rpc

from gateway.rpc import RemoteFailure, RpcClient
from services.common.context import RequestId
from services.common.errors import InvalidInput, NotFound, Unavailable


class EchoService:
    name = "echo"
    request_id = RequestId()

    @rpc
    def add(self, a, b, scale=1):
        return (a + b) * scale

    @rpc
    def whoami(self):
        return self.request_id

    @rpc
    def invalid(self):
        raise InvalidInput("申请内容有误", [{"field": "applicant.name", "message": "必填"}])

    @rpc
    def missing(self):
        raise NotFound("办件不存在")

    @rpc
    def crash(self):
        raise KeyError("secret")

    @rpc
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return "late"


@pytest.fixture
def client(service_config, container_factory):
    container = container_factory(EchoService, service_config)
    container.start()
    rpc_client = RpcClient(service_config["AMQP_URI"], timeout=5)
    yield rpc_client
    rpc_client.close()


def test_result_args_kwargs_and_request_id(client):
    assert client.call("echo", "add", 2, 3, scale=10) == 50
    assert client.call("echo", "whoami", request_id="req-42") == "req-42"


def test_domain_errors_come_back_as_their_own_type(client):
    with pytest.raises(InvalidInput) as caught:
        client.call("echo", "invalid")
    assert caught.value.detail == "申请内容有误"
    assert caught.value.errors == [{"field": "applicant.name", "message": "必填"}]
    with pytest.raises(NotFound):
        client.call("echo", "missing")
    with pytest.raises(RemoteFailure) as failure:
        client.call("echo", "crash")
    assert failure.value.exc_type == "KeyError"


def test_timeout_is_unavailable_and_late_reply_is_ignored(client):
    with pytest.raises(Unavailable):
        client.call("echo", "slow", 1.0, timeout=0.2)
    eventlet.sleep(1.0)  # the late reply arrives for a call nobody waits on any more
    assert client.call("echo", "add", 1, 1) == 2


def test_unroutable_service_fails_fast(client):
    started = time.monotonic()
    with pytest.raises(Unavailable):
        client.call("ghost", "ping", timeout=5)
    assert time.monotonic() - started < 2


def test_broker_down_is_unavailable():
    client = RpcClient("amqp://guest:guest@127.0.0.1:1/", timeout=1)
    with pytest.raises(Unavailable):
        client.call("echo", "add", 1, 2)
    client.close()


def test_concurrent_callers_each_get_their_own_answer(client):
    answers, errors = {}, []

    def caller(i):
        try:
            answers[i] = client.call("echo", "add", i, i, request_id=f"r{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert answers == {i: 2 * i for i in range(60)}
