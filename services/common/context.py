"""Carries the gateway's request id into a service worker's logs and events."""
import logging

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from services.common.logs import set_request_id

log = logging.getLogger("services.calls")


class RequestId(DependencyProvider):
    """Injects the request id of the current call (from the nameko.request_id
    header the gateway or the publishing service set), puts it on every log
    line the worker writes, and logs one line per RPC or event handled."""

    def worker_setup(self, worker_ctx):
        set_request_id(worker_ctx.data.get("request_id"))
        if not isinstance(worker_ctx.entrypoint, Timer):
            log.info("handling %s.%s", worker_ctx.service_name, worker_ctx.entrypoint.method_name)

    def worker_teardown(self, worker_ctx):
        set_request_id(None)

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get("request_id")
