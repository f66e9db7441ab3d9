"""Department pools (部门专属处理能力): which queue a department's intake and approval work goes to.

Centre IT can give one department dedicated workers without touching the others.
Every process reads DEPARTMENT_POOLS (e.g. "health"); work for a department
listed there is published with a department routing key and lands in that
department's own durable queues, which only workers started with
DEDICATED_DEPARTMENT=<department> consume. Every other department shares the
default queues and the default workers. Routing decides only where capacity is
spent: all workers run the same code on the same database, so a message that
reaches another pool (during a change of settings, say) is still handled
correctly.

RabbitMQ topic routing keys (words separated by dots):
- RPC, default:           `intake.submit_application`        -> queue `rpc-intake` (nameko's own, bound `intake.*`)
- RPC, department pool:   `intake.health.submit_application` -> queue `rpc-intake@health` (bound `intake.health.*`);
  `*` matches exactly one word, so the default queue never receives it.
- events, default:        `application_accepted`             -> the handler's queue (nameko's own name)
- events, department pool: `application_accepted.health`     -> for intake and approval handlers, the queue
  `<nameko's name>@health`; services without pools (notification, evaluation) also bind
  `application_accepted.*`, so they still hear every department's events.
No module here imports nameko or kombu: the rules are plain and unit-tested.
"""
import re

# Services whose work can be split by department; the others serve every department.
POOLED_SERVICES = ("intake", "approval")
DEPARTMENT_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# Case numbers carry the department: {REGION_CODE}-{DEPARTMENT}-{YYYYMMDD}-{seq} (services/intake/case_numbers.py).
CASE_NUMBER = re.compile(r"^\d{6}-([A-Z][A-Z0-9_]{0,31})-\d{8}-\d+$")


class PoolSettingError(ValueError):
    """DEPARTMENT_POOLS or DEDICATED_DEPARTMENT is set to something no message could be routed to."""


def parse_pools(value: str | None) -> tuple[str, ...]:
    """DEPARTMENT_POOLS ("health,market") -> ("health", "market"); empty -> no pools."""
    names = [part.strip() for part in (value or "").split(",") if part.strip()]
    bad = [name for name in names if not DEPARTMENT_CODE.match(name)]
    if bad:
        raise PoolSettingError(f"DEPARTMENT_POOLS: {bad} are not department codes (lower-case letters, digits, _)")
    return tuple(dict.fromkeys(names))


def dedicated_pool(service: str, dedicated: str | None, pools: tuple[str, ...]) -> str | None:
    """The department a worker of `service` serves alone (DEDICATED_DEPARTMENT), or None for the default pool.

    A dedicated department must be one of DEPARTMENT_POOLS (else no work is routed
    to its queues) and the service must be one split by department."""
    dedicated = (dedicated or "").strip()
    if not dedicated:
        return None
    if service not in POOLED_SERVICES:
        raise PoolSettingError(
            f"DEDICATED_DEPARTMENT={dedicated}: {service} serves every department; only {POOLED_SERVICES} have pools")
    if dedicated not in pools:
        raise PoolSettingError(
            f"DEDICATED_DEPARTMENT={dedicated} is not in DEPARTMENT_POOLS={','.join(pools) or '(empty)'}: "
            "no work would be routed to this worker")
    return dedicated


def pool_of(service: str, department: str | None, pools: tuple[str, ...]) -> str | None:
    """The pool serving `department`'s work in `service`, or None for the default pool."""
    if service in POOLED_SERVICES and department in pools:
        return department
    return None


def department_of_case(case_no) -> str | None:
    """The department a case number carries, or None when it is not a case number."""
    match = CASE_NUMBER.match(case_no) if isinstance(case_no, str) else None
    return match.group(1).lower() if match else None


# --- RPC -----------------------------------------------------------------------
def rpc_routing_key(service: str, method: str, department: str | None, pools: tuple[str, ...]) -> str:
    pool = pool_of(service, department, pools)
    return f"{service}.{pool}.{method}" if pool else f"{service}.{method}"


def rpc_target(service: str, pool: str | None) -> str:
    """What precedes the method name in the routing key: `intake` or `intake.health`."""
    return f"{service}.{pool}" if pool else service


def rpc_queue_name(service: str, pool: str) -> str:
    return f"rpc-{service}@{pool}"


def rpc_binding(service: str, pool: str) -> str:
    return f"{service}.{pool}.*"


def rpc_method(routing_key: str) -> str:
    """The method a routing key calls, with or without a department word."""
    return routing_key.rsplit(".", 1)[-1]


# --- events ----------------------------------------------------------------------
def event_routing_key(event_type: str, department: str | None, pools: tuple[str, ...]) -> str:
    """Events of a pooled department carry it as a second word; the others keep nameko's plain key."""
    return f"{event_type}.{department}" if department in pools else event_type


def event_queue_name(default_name: str, pool: str) -> str:
    return f"{default_name}@{pool}"


def event_bindings(handling_service: str, event_type: str, pool: str | None = None) -> tuple[str, ...]:
    """Routing keys one handler queue binds: a department pool's queue only its department's events;
    a default queue of a pooled service only the plain key (the pools take the rest); a queue of a
    service without pools every department's events."""
    if pool:
        return (f"{event_type}.{pool}",)
    if handling_service in POOLED_SERVICES:
        return (event_type,)
    return (event_type, f"{event_type}.*")
