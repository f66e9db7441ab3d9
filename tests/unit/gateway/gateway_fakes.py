"""A hand-written stand-in for gateway.rpc.RpcClient: answers from handlers registered per service method."""
from gateway.settings import GatewaySettings
from services.common.errors import Unavailable

SETTINGS = GatewaySettings(admin_password="admin-unit-pw", rate_limit_per_minute=0)
PASSWORD = "Unit-Test-2026!"


class FakeRpc:
    def __init__(self, handlers: dict | None = None):
        self.handlers = dict(handlers or {})
        self.calls: list[dict] = []

    def on(self, service: str, method: str, answer) -> "FakeRpc":
        """`answer` is a value, an exception to raise, or a callable taking the call's args and kwargs."""
        self.handlers[(service, method)] = answer
        return self

    def call(self, service, method, *args, request_id=None, timeout=None, routing_key=None, **kwargs):
        self.calls.append({"service": service, "method": method, "args": args, "kwargs": kwargs,
                           "request_id": request_id, "routing_key": routing_key})
        answer = self.handlers.get((service, method))
        if answer is None:
            raise Unavailable(f"服务 {service} 当前不可用")
        if isinstance(answer, Exception):
            raise answer
        return answer(*args, **kwargs) if callable(answer) else answer

    def calls_to(self, service, method) -> list[dict]:
        return [c for c in self.calls if (c["service"], c["method"]) == (service, method)]

    def close(self):
        pass
