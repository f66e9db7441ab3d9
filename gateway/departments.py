"""Sends a department's intake and approval calls to its dedicated workers (docs/scaling.md).

The gateway knows the department of what it handles: a case number carries it
(411400-HEALTH-20261123-00001) and an item names it. When the department has a
pool (DEPARTMENT_POOLS), the call goes out with the pool's routing key
(services/common/routing.py); otherwise the routing key stays nameko's own.
"""
import threading

from services.common import routing


class DepartmentRouter:
    def __init__(self, pools: tuple[str, ...] = ()):
        self.pools = tuple(pools)
        # An item's department never changes (catalogue FIXED_FIELDS), and only items that exist
        # are remembered, so this stays as small as the catalogue.
        self._item_departments: dict[str, str] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_setting(cls, value: str | None) -> "DepartmentRouter":
        return cls(routing.parse_pools(value))

    def call_options(self, service: str, method: str, department: str | None) -> dict:
        """Extra keyword arguments for RpcClient.call: a routing key only when a pool serves the call."""
        if routing.pool_of(service, department, self.pools) is None:
            return {}
        return {"routing_key": routing.rpc_routing_key(service, method, department, self.pools)}

    def known_item(self, item_code: str) -> str | None:
        with self._lock:
            return self._item_departments.get(item_code)

    def remember_item(self, item_code: str, department) -> str | None:
        if not isinstance(department, str):
            return None
        with self._lock:
            self._item_departments[item_code] = department
        return department
