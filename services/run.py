"""Runs one service: `python -m services.run intake` (used locally and in compose)."""
import eventlet

eventlet.monkey_patch()  # noqa: E402  must precede every other import

import importlib  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from services.common.config import nameko_config, setting  # noqa: E402
from services.common.logs import configure_logging  # noqa: E402
from services.common.routing import dedicated_pool, parse_pools  # noqa: E402
from services.common.topology import declare_topology  # noqa: E402

SERVICE_CLASSES = {
    "intake": "services.intake.service:IntakeService",
    "approval": "services.approval.service:ApprovalService",
    "notification": "services.notification.service:NotificationService",
    "evaluation": "services.evaluation.service:EvaluationService",
}


def load(name: str):
    module, cls = SERVICE_CLASSES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def dump_greenlets(signum=None, frame=None) -> None:
    """Log the stack of every greenlet (`kill -USR2 <pid>`): what a hung worker waits for.
    py-spy sees only the hub's OS thread, not the greenlets parked on a socket or a lock."""
    import gc
    import traceback

    import greenlet

    stacks = []
    for obj in gc.get_objects():
        if isinstance(obj, greenlet.greenlet) and obj.gr_frame is not None:
            stacks.append("".join(traceback.format_stack(obj.gr_frame)))
    logging.getLogger(__name__).warning("%d greenlets:\n%s", len(stacks), "\n---\n".join(stacks))


def main(name: str) -> None:
    configure_logging(name, setting("LOG_LEVEL"))
    config = nameko_config()
    # A dedicated worker (DEDICATED_DEPARTMENT) serves one department's pool only (docs/scaling.md);
    # a setting no work would reach stops the start here, with the reason.
    pools = parse_pools(config["DEPARTMENT_POOLS"])
    pool = dedicated_pool(name, config["DEDICATED_DEPARTMENT"], pools)
    declare_topology(config["AMQP_URI"], pools)
    runner = ServiceRunner(config)
    runner.add_service(load(name))

    def shutdown(signum, frame):
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGUSR2, dump_greenlets)
    runner.start()
    logging.getLogger(__name__).info("service %s started (%s)", name,
                                     f"dedicated to department {pool}" if pool else "default pool")
    runner.wait()


if __name__ == "__main__":
    main(sys.argv[1])
