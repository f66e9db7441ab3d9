"""Carries the gateway's request id into a service worker's logs and events."""
from nameko.extensions import DependencyProvider

from services.common.logs import set_request_id


class RequestId(DependencyProvider):
    """Injects the request id of the current call (from the nameko.request_id
    header the gateway or the publishing service set) and puts it on every log
    line the worker writes."""

    def worker_setup(self, worker_ctx):
        set_request_id(worker_ctx.data.get("request_id"))

    def worker_teardown(self, worker_ctx):
        set_request_id(None)

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get("request_id")
