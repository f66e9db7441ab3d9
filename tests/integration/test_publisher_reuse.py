"""The gateway's publishing connections are reused: an idle one passes its health check
and the next publish takes it, instead of opening a new AMQP connection per call
(the bench found every call opening one: the health check called a method py-amqp lacks)."""
from gateway.publishers import PublisherPool


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
