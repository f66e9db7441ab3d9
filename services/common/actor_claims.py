"""Signed actor claims: services believe an actor only when the gateway signed the call.

The gateway signs each RPC it sends (service, method, args, kwargs and a
timestamp) with HMAC-SHA256 under ACTOR_SIGNING_KEY, a secret only the gateway
and the services hold; the signature travels in the `nameko.actor_signature`
header. A service refuses a call that passes an actor without a valid, recent
signature (services/common/entrypoints.py), so anyone else who can publish on
the broker cannot claim to be a centre admin. A service calling another on its
own behalf names itself (contracts.service_actor) and signs the call the same
way (services/common/rpc.py, TimeoutRpcProxy). Plain Python.
"""
import hashlib
import hmac
import json
import time

SIGNATURE_HEADER = "actor_signature"   # context data key (header nameko.actor_signature)
SIGNED_AT_HEADER = "actor_signed_at"
MAX_AGE_SECONDS = 300


def canonical(route: str, args, kwargs, signed_at: int) -> bytes:
    return json.dumps({"route": route, "args": list(args), "kwargs": kwargs, "at": signed_at},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str).encode()


def sign(key: str, route: str, args, kwargs, signed_at: int | None = None) -> tuple[str, int]:
    signed_at = int(time.time()) if signed_at is None else signed_at
    digest = hmac.new(key.encode(), canonical(route, args, kwargs, signed_at), hashlib.sha256).hexdigest()
    return digest, signed_at


def headers(key: str, route: str, args, kwargs) -> dict:
    """The message headers that carry a signature over a call (what the receiving service checks)."""
    signature, signed_at = sign(key, route, list(args), kwargs)
    return {"nameko." + SIGNATURE_HEADER: signature, "nameko." + SIGNED_AT_HEADER: signed_at}


def verify(key: str, route: str, args, kwargs, signature, signed_at, now: float | None = None) -> bool:
    try:
        moment = int(signed_at)
    except (TypeError, ValueError):
        return False
    if abs((now or time.time()) - moment) > MAX_AGE_SECONDS or not isinstance(signature, str):
        return False
    expected, _ = sign(key, route, args, kwargs, moment)
    return hmac.compare_digest(expected, signature)
