"""Signed webhooks for the provincial network (plain Python: the rules, no I/O
besides the HTTP POST and the DNS look-up that validates an address).

- `payload(event, status)`: the JSON body a receiver gets, structured, no
  personal data: {"event_id","event","case_no","status","at",...}.
- `sign(secret, timestamp, body)`: `sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>`.
- `url_problem(url, allow_private)`: why an address may not receive webhooks
  (scheme, credentials in the URL, loopback / private / link-local / reserved
  addresses, resolved names included), or None.
- `backoff_seconds(attempt)`: exponential, capped.
"""
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from services.common import contracts

SIGNATURE_HEADER = "X-Webhook-Signature"
PREVIOUS_SIGNATURE_HEADER = "X-Webhook-Signature-Previous"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
ID_HEADER = "X-Webhook-Id"
EVENT_HEADER = "X-Webhook-Event"

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead_lettered"

# The events a client may subscribe to: everything that happens to its cases.
EVENTS = (
    contracts.APPLICATION_RECEIVED, contracts.ONE_TIME_NOTICE_ISSUED, contracts.APPLICATION_ACCEPTED,
    contracts.APPLICATION_REFUSED, contracts.CASE_STATUS_CHANGED, contracts.CASE_DECIDED,
    contracts.CERTIFICATE_ISSUED, contracts.CASE_CLOSED, contracts.RATING_SUBMITTED, contracts.COMPLAINT_RECEIVED,
)


def may_reach_a_client(event: dict) -> bool:
    """Can this event be for a webhook? Only API clients register them, and their cases come in over the
    provincial channel: a window or online case (the channel is on every case event) is not looked up."""
    return event["event_type"] in EVENTS and event.get("channel") in (None, "province")


# Event fields a receiver may see, beyond the envelope (never the applicant, phone or ID number).
PUBLIC_FIELDS = (
    "item_code", "item_name", "department", "channel", "previous_status", "action", "actor_role", "result",
    "reason", "decided_on", "accepted_on", "deadlines", "on_time", "certificate_no", "valid_from", "valid_until",
    "closed_on", "level", "complaint_id", "missing", "received_at",
)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def payload(event: dict, status: str | None) -> dict:
    body = {
        "event_id": event["event_id"],
        "event": event["event_type"],
        "case_no": event.get("case_no"),
        "status": status,
        "at": event.get("occurred_at"),
    }
    for name in PUBLIC_FIELDS:
        if event.get(name) is not None:
            body[name] = event[name]
    if isinstance(body.get("missing"), list):
        body["missing"] = [{"code": m.get("code"), "name": m.get("name")} for m in body["missing"]]
    return body


def encode(body: dict) -> bytes:
    """The exact bytes sent and signed."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return "sha256=" + digest


def verify(secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300,
           now: float | None = None) -> bool:
    """How a receiver checks a delivery: the signature matches and the timestamp is recent."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now or time.time()) - moment) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, moment, body), signature or "")


def headers(webhook_secret: str, previous_secret: str | None, delivery_id: str, event_type: str,
            body: bytes, timestamp: int) -> dict:
    result = {
        "Content-Type": "application/json; charset=utf-8",
        ID_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(webhook_secret, timestamp, body),
        EVENT_HEADER: event_type,
        "User-Agent": "zwfw-window-webhooks/1",
    }
    if previous_secret:  # during a rotation the receiver may still hold the old secret
        result[PREVIOUS_SIGNATURE_HEADER] = sign(previous_secret, timestamp, body)
    return result


def backoff_seconds(attempt: int, base: float, cap: float = 3600.0) -> float:
    """Wait after the `attempt`-th failure: base, 2·base, 4·base … capped."""
    return min(cap, base * 2 ** max(attempt - 1, 0))


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified)


def url_problem(url: str, allow_private: bool = False, resolve=socket.getaddrinfo) -> str | None:
    """Why this URL may not receive webhooks, in Chinese; None when it may."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "地址格式不正确"
    if parts.scheme not in ("https", "http"):
        return "只支持 http:// 或 https:// 地址"
    if parts.scheme == "http" and not allow_private:
        return "只支持 https:// 地址"
    if not parts.hostname:
        return "地址缺少主机名"
    if parts.username or parts.password:
        return "地址中不能包含用户名或密码"
    if allow_private:
        return None
    try:
        infos = resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return "无法解析该地址的主机名"
    addresses = {info[4][0].split("%")[0] for info in infos}
    if not addresses or any(_blocked(address) for address in addresses):
        return "不能使用回环、内网或保留地址"
    return None
