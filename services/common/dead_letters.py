"""The dead-letter queue (死信): where an event goes after its handler failed every retry.

One record format, written by services/common/handlers.py and read by the
gateway's operations endpoints (`GET /v1/ops/dead-letters`, replay). No
nameko here: the gateway imports it.
"""
import datetime as dt
import uuid

DEAD_LETTER_QUEUE = "window.dead-letter"
ATTEMPTS_HEADER = "x-window-attempts"
REPLAY_HEADER = "x-window-replay-of"


def dead_letter_record(queue: str, event_type: str, event, headers: dict, attempts: int, error: Exception) -> dict:
    """What ops need to judge and replay a poison message: where it came from, what it was, why it failed."""
    return {
        "id": uuid.uuid4().hex,
        "queue": queue,
        "event_type": event_type,
        "event": event,
        "headers": {k: v for k, v in headers.items() if isinstance(v, str | int | float)},
        "attempts": attempts,
        "error": repr(error)[:2000],
        "failed_at": dt.datetime.now(dt.UTC).isoformat(),
    }


def replay_headers(record: dict) -> dict:
    """The original headers, attempts reset, marked as a replay of this record."""
    headers = {k: v for k, v in (record.get("headers") or {}).items() if k != ATTEMPTS_HEADER}
    return {**headers, REPLAY_HEADER: record["id"]}
