"""Service-to-service RPC with a timeout (nameko 2's RpcProxy waits forever)."""
import eventlet
from nameko.rpc import RpcProxy

from services.common.config import float_setting
from services.common.errors import Unavailable


class TimeoutRpcProxy(RpcProxy):
    def __init__(self, target_service: str, timeout: float | None = None, **options):
        super().__init__(target_service, **options)
        self.timeout = timeout

    def get_dependency(self, worker_ctx):
        timeout = self.timeout if self.timeout is not None else float_setting("RPC_TIMEOUT")
        return _TimeoutServiceProxy(super().get_dependency(worker_ctx), self.target_service, timeout)


class _TimeoutServiceProxy:
    def __init__(self, proxy, service: str, timeout: float):
        self._proxy, self._service, self._timeout = proxy, service, timeout

    def __getattr__(self, method: str):
        remote = getattr(self._proxy, method)

        def call(*args, **kwargs):
            reply = remote.call_async(*args, **kwargs)
            timeout = Unavailable(f"{self._service}.{method} 未在 {self._timeout} 秒内应答")
            with eventlet.Timeout(self._timeout, timeout):
                return reply.result()

        return call
