"""The baseline's trivial Nameko service: one `ping` RPC, nothing else.

`python -m bench.baseline_service` runs it on $AMQP_URI the way
services/run.py runs the real services (same nameko config).
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  must precede every other import

import signal  # noqa: E402

from nameko.rpc import rpc  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from bench import BASELINE_SERVICE  # noqa: E402
from services.common.config import nameko_config  # noqa: E402


class BaselineService:
    name = BASELINE_SERVICE

    @rpc
    def ping(self):
        return "pong"


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
