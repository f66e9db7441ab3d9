"""The test infrastructure itself: a real broker, a real MongoDB wire protocol, the topology."""
from kombu import Connection

from services.common import contracts
from services.common.mongo import service_database
from services.common.topology import event_queue


def test_topology_declares_every_handler_queue(service_config):
    with Connection(service_config["AMQP_URI"]) as connection:
        channel = connection.default_channel
        for service, event_type in contracts.SUBSCRIPTIONS:
            name, messages, consumers = event_queue(service, event_type).bind(channel).queue_declare(passive=True)
            assert messages == 0


def test_each_service_database_is_its_own(service_config):
    intake = service_database("intake", service_config)
    intake.probe.insert_one({"x": 1})
    assert service_database("approval", service_config).probe.count_documents({}) == 0
    assert intake.probe.count_documents({}) == 1
