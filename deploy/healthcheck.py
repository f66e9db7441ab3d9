"""Container health check: `python -m deploy.healthcheck intake` asks a Nameko
service's `ping` RPC; `python -m deploy.healthcheck gateway` asks the
gateway's GET /healthz. Exit status 0 healthy, 1 not, within the timeout.

Without an argument it checks $HEALTHCHECK_TARGET (the image's default is
"gateway"). Settings come from the same environment the process runs with.
"""
import os
import signal
import sys
import urllib.request
import warnings

from services.common.config import setting

DEFAULT_TIMEOUT = 5.0


def check_gateway(timeout: float) -> bool:
    port = os.environ.get("GATEWAY_INTERNAL_PORT", "8080")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as response:
        return response.status == 200


def check_service(service: str, timeout: float) -> bool:
    # Imported here so the gateway check stays light; eventlet's deprecation
    # notice would only clutter the health log `docker inspect` shows.
    warnings.simplefilter("ignore")
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.common.routing import dedicated_pool, parse_pools, rpc_target

    # A worker dedicated to a department (docs/scaling.md) answers on its pool's queue only.
    pool = dedicated_pool(service, setting("DEDICATED_DEPARTMENT"), parse_pools(setting("DEPARTMENT_POOLS")))
    config = {"AMQP_URI": setting("AMQP_URI"), "serializer": "json"}
    with ClusterRpcProxy(config, timeout=timeout) as cluster:
        return getattr(cluster, rpc_target(service, pool)).ping() == "pong"


def check(target: str, timeout: float = DEFAULT_TIMEOUT) -> bool:
    if target == "gateway":
        return check_gateway(timeout)
    return check_service(target, timeout)


def main(argv: list[str]) -> int:
    target = argv[0] if argv else os.environ.get("HEALTHCHECK_TARGET", "gateway")
    timeout = float(os.environ.get("HEALTHCHECK_TIMEOUT", DEFAULT_TIMEOUT))

    # A broker that accepts the TCP connection but never answers must not hang
    # the check past Docker's own timeout: a hard alarm covers connecting too.
    def give_up(signum, frame):
        raise TimeoutError(f"{target} did not answer within {timeout:.0f}s")

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(int(timeout) + 2)
    try:
        healthy = check(target, timeout)
    except Exception as exc:  # any failure is "unhealthy", with the reason for `docker inspect`
        print(f"unhealthy: {target}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
    print(f"{'healthy' if healthy else 'unhealthy'}: {target}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
