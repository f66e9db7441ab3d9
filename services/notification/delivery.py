"""Delivery with retries (投递与重试): each message is sent once, a failure is
retried with exponential back-off, and nothing is ever dropped.

A send first *claims* the message (attempts n -> n+1, next attempt pushed out
by the back-off), so a crash mid-send leaves a message the sweep retries
later, and two workers never send the same attempt. A new message is stored
claimed already for its first attempt by the process that stores it, which
hands it to its own delivery loop: one write fewer per message, and if that
process dies first, the message is due again when the claim runs out. After
`max_attempts` the message stays `failed` with no next attempt: kept, visible
to ops.
"""
import datetime as dt
import logging

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
PENDING, SENT, FAILED = "pending", "sent", "failed"


def backoff_seconds(attempts: int, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """Wait after the `attempts`-th failed attempt: base, 2*base, 4*base, ... capped."""
    return min(cap, base * 2 ** max(attempts - 1, 0))


def timestamp(moment: dt.datetime) -> str:
    """UTC ISO string with fixed precision, so strings compare as times."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_delivery(channel: str, now: dt.datetime, claimed: bool = False) -> dict:
    """The delivery record of a new message; the inbox is delivered by being stored. `claimed`: its
    first attempt is the storing process's (Courier.send_claimed), until the first back-off runs out."""
    if channel == "inbox":
        return {"status": SENT, "attempts": 0, "next_attempt_at": None, "last_error": None,
                "sent_at": timestamp(now)}
    if claimed:
        return {"status": PENDING, "attempts": 1, "last_error": None,
                "next_attempt_at": timestamp(now + dt.timedelta(seconds=backoff_seconds(1)))}
    return {"status": PENDING, "attempts": 0, "next_attempt_at": timestamp(now), "last_error": None}


class Courier:
    """Sends stored messages over their channels and records the outcome in the store."""

    def __init__(self, store, channels: dict, max_attempts: int, clock=utcnow, resolve=None):
        """`resolve(message)` finds the address of a message stored without one (an applicant's phone,
        kept by intake and never stored here); a failed look-up is a failed attempt, retried."""
        self.store, self.channels, self.max_attempts, self.clock = store, channels, max_attempts, clock
        self.resolve = resolve

    def deliver(self, message: dict) -> str | None:
        """Try one message once; returns the new status, or None if another worker holds it."""
        record = message["delivery"]
        if record["status"] == SENT or record["attempts"] >= self.max_attempts:
            return record["status"]
        now = self.clock()
        attempt = record["attempts"] + 1
        lease = timestamp(now + dt.timedelta(seconds=backoff_seconds(attempt)))
        if not self.store.claim(message["_id"], record["attempts"], lease):
            return None
        return self._attempt(message, attempt, lease)

    def send_claimed(self, message: dict) -> str | None:
        """Send a message this process stored claimed (new_delivery(claimed=True)); None, leaving it to
        the retries, once its claim has run out (another worker may have claimed it since)."""
        record = message["delivery"]
        if timestamp(self.clock()) >= record["next_attempt_at"]:
            return None
        return self._attempt(message, record["attempts"], record["next_attempt_at"])

    def _attempt(self, message: dict, attempt: int, lease: str) -> str:
        channel = self.channels.get(message["channel"])
        try:
            if channel is None:
                raise RuntimeError(f"channel {message['channel']} is not configured")
            address = message.get("address")
            if address is None and message["channel"] != "inbox" and self.resolve is not None:
                address = self.resolve(message)
                if not address:
                    raise RuntimeError("no address on record for this applicant")
            channel.send(address, message["title"], message["body"])
        except Exception as exc:  # any channel error is a failed attempt, to be retried
            retry_at = lease if attempt < self.max_attempts else None
            self.store.mark_failed(message["_id"], f"{type(exc).__name__}: {exc}"[:500], retry_at)
            log.warning("delivery %s over %s failed (attempt %d): %s", message["_id"], message["channel"], attempt, exc)
            return FAILED
        self.store.mark_sent(message["_id"], timestamp(self.clock()))
        return SENT

    def retry_due(self, limit: int = 100, statuses: tuple[str, ...] = (PENDING, FAILED)) -> int:
        """Deliver every message (in `statuses`) whose next attempt is due; returns how many were tried."""
        due = self.store.due(timestamp(self.clock()), limit, statuses)
        for message in due:
            self.deliver(message)
        return len(due)
