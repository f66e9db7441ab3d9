"""The baselines' Nameko service: `ping` (nothing at all) and `submit`, the least a
submission must do: one indexed, journaled insert and one confirmed, persistent publish.

`python -m bench.baseline_service` runs it on $AMQP_URI and $MONGO_URI the way
services/run.py runs the real services (same nameko config, same Mongo client and
write concern as the services, services/common/mongo.py).
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  must precede every other import

import datetime as dt  # noqa: E402
import signal  # noqa: E402
import uuid  # noqa: E402

from kombu import Exchange, Queue  # noqa: E402
from nameko.amqp.publish import Publisher  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.rpc import rpc  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from bench import BASELINE_DATABASE, BASELINE_EVENTS, BASELINE_SERVICE  # noqa: E402
from services.common.config import nameko_config  # noqa: E402
from services.common.mongo import get_client  # noqa: E402


class LeastWork(DependencyProvider):
    """The collection (unique index on the idempotency key) and a confirming publisher."""

    def setup(self):
        config = self.container.config
        self.collection = get_client(config["MONGO_URI"])[BASELINE_DATABASE].submissions
        self.collection.create_index("key", unique=True)
        self.exchange = Exchange(BASELINE_EVENTS, type="topic", durable=True)
        queue = Queue(BASELINE_EVENTS, self.exchange, routing_key="#", durable=True)
        self.publisher = Publisher(config["AMQP_URI"], use_confirms=True, declare=[self.exchange, queue])

    def get_dependency(self, worker_ctx):
        return self


class BaselineService:
    name = BASELINE_SERVICE
    least = LeastWork()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def submit(self, body, key):
        document = {"_id": uuid.uuid4().hex, "key": key, "body": body,
                    "received_at": dt.datetime.now(dt.UTC).isoformat()}
        self.least.collection.insert_one(document)
        self.least.publisher.publish({"id": document["_id"], "key": key}, exchange=self.least.exchange,
                                     routing_key="submitted")
        return {"id": document["_id"], "status": "received"}


def main() -> None:
    runner = ServiceRunner(nameko_config())
    runner.add_service(BaselineService)

    def shutdown(signum, frame):
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    runner.wait()


if __name__ == "__main__":
    main()
