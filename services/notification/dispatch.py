"""Sends a webhook's deliveries, in order, one sender at a time.

`Dispatcher.pump(webhook_id)` takes the webhook's lease and sends its oldest
pending delivery; a 2xx marks it delivered and moves on to the next; any
other answer (or none) records the attempt and schedules the next one with
exponential back-off, and after `max_attempts` the delivery is dead-lettered
(kept, visible in GET /v1/webhooks/{id}/deliveries) so the ones behind it
can go. Every attempt is recorded. The secret is decrypted only here, per
send, so a rotation applies to every delivery not yet sent.
"""
import logging
import time
import uuid

import requests

from services.notification import webhooks
from services.notification.webhooks import DEAD, DELIVERED, PENDING, Outcome

log = logging.getLogger(__name__)


def http_post(url: str, headers: dict, body: bytes, timeout: float) -> Outcome:
    started = time.perf_counter()
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
        ok = 200 <= response.status_code < 300
        error = None if ok else f"HTTP {response.status_code}"
        return Outcome(ok, response.status_code, error, round((time.perf_counter() - started) * 1000, 1))
    except requests.RequestException as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {str(exc)[:200]}",
                       round((time.perf_counter() - started) * 1000, 1))


class Dispatcher:
    def __init__(self, store, cipher, max_attempts: int, retry_base: float, allow_private: bool,
                 post=http_post, clock=time.time, timeout: float = 5.0, max_per_pump: int = 50):
        self.store, self.cipher, self.max_attempts, self.retry_base = store, cipher, max_attempts, retry_base
        self.allow_private, self.post, self.clock, self.timeout = allow_private, post, clock, timeout
        self.max_per_pump = max_per_pump

    def pump_due(self) -> int:
        sent = 0
        for webhook_id in self.store.webhooks_due(self.clock()):
            sent += self.pump(webhook_id)
        return sent

    def pump(self, webhook_id: str) -> int:
        """Send what is due for one webhook, in order; returns how many attempts were made."""
        if not self.store.take_lease(webhook_id, self.clock()):
            return 0  # another worker is sending for this webhook
        attempts = 0
        try:
            webhook = self.store.webhook(webhook_id)
            while attempts < self.max_per_pump:
                delivery = self.store.head(webhook_id)
                if delivery is None or delivery["next_attempt_at"] > self.clock():
                    break
                attempts += 1
                if not self._attempt(webhook, delivery):
                    break  # the head failed: the ones behind it wait (order), until it is retried or dead
        finally:
            self.store.release_lease(webhook_id)
        return attempts

    def _attempt(self, webhook: dict, delivery: dict) -> bool:
        body = webhooks.encode(delivery["body"])
        now = self.clock()
        problem = None if not webhook.get("active", True) else webhooks.url_problem(webhook["url"],
                                                                                    self.allow_private)
        if not webhook.get("active", True):
            problem = "webhook 已停用"
        if problem:
            outcome = webhooks.Outcome(False, None, problem, 0.0)
        else:
            previous = webhook.get("previous_secret") if (webhook.get("previous_until") or 0) > now else None
            headers = webhooks.headers(
                self.cipher.decrypt(webhook["secret"], "webhook-secret"),
                self.cipher.decrypt(previous, "webhook-secret") if previous else None,
                delivery["_id"], delivery["event"], body, int(now))
            outcome = self.post(webhook["url"], headers, body, self.timeout)
        count = delivery["attempt_count"] + 1
        attempt = {"n": count, "at": _iso(now), "status_code": outcome.status_code, "error": outcome.error,
                   "duration_ms": outcome.duration_ms, "attempt_id": uuid.uuid4().hex[:12]}
        if outcome.ok:
            self.store.record_attempt(delivery["_id"], attempt, DELIVERED, None)
            return True
        if count >= self.max_attempts:
            self.store.record_attempt(delivery["_id"], attempt, DEAD, None)
            log.warning("webhook %s delivery %s dead-lettered after %d attempts: %s",
                        webhook["_id"], delivery["_id"], count, outcome.error)
            return True  # dead: the next delivery may go
        retry_at = now + webhooks.backoff_seconds(count, self.retry_base)
        self.store.record_attempt(delivery["_id"], attempt, PENDING, retry_at)
        log.info("webhook %s delivery %s failed (attempt %d): %s", webhook["_id"], delivery["_id"], count,
                 outcome.error)
        return False


def _iso(seconds: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="milliseconds")
