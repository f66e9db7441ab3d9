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


def test_event_queues_and_exchanges_are_durable(broker, service_config):
    """Asked of the broker itself (management API): a restart keeps queues and exchanges."""
    import urllib.parse

    import requests

    vhost = urllib.parse.quote(service_config["vhost"], safe="")
    api = f"http://127.0.0.1:{broker.management_port}/api"
    queues = {q["name"]: q for q in requests.get(f"{api}/queues/{vhost}", auth=("guest", "guest"), timeout=10).json()}
    for service, event_type in contracts.SUBSCRIPTIONS:
        queue = queues[event_queue(service, event_type).name]
        assert queue["durable"] and not queue["auto_delete"]
    assert queues["window.dead-letter"]["durable"]
    exchanges = {e["name"]: e for e in requests.get(f"{api}/exchanges/{vhost}", auth=("guest", "guest"),
                                                      timeout=10).json()}
    for source in set(contracts.EVENT_SOURCE.values()):
        assert exchanges[f"{source}.events"]["durable"]
    assert exchanges["nameko-rpc"]["durable"]
