"""The gateway's publishing connections are reused: an idle one passes its health check
and the next publish takes it, instead of opening a new AMQP connection per call
(the bench found every call opening one: the health check called a method py-amqp lacks)."""
import time

from gateway.publishers import HEARTBEAT, PublisherPool


def test_an_idle_connection_is_healthy_and_reused(service_config):
    pool = PublisherPool(service_config["AMQP_URI"], on_return=lambda *args: None)
    try:
        pool.publish({"probe": 1}, routing_key="nobody.listens", timeout=5)
        [link] = pool._idle
        assert link.healthy()
        pool.publish({"probe": 2}, routing_key="nobody.listens", timeout=5)
        assert pool._idle == [link]
    finally:
        pool.close()


def test_a_connection_that_received_a_heartbeat_stays_healthy(service_config):
    pool = PublisherPool(service_config["AMQP_URI"], on_return=lambda *args: None)
    try:
        pool.publish({"probe": 1}, routing_key="nobody.listens", timeout=5)
        [link] = pool._idle
        time.sleep(HEARTBEAT / 2 + 1.5)   # the broker has sent a heartbeat frame by now
        started = time.monotonic()
        assert link.healthy() and time.monotonic() - started < 0.2
        pool.publish({"probe": 2}, routing_key="nobody.listens", timeout=5)
        assert pool._idle == [link]
    finally:
        pool.close()
