"""The change feed's rule: which event is a status change, and to what.

Every status a case takes appears once: intake's application events up to
acceptance, approval's case_status_changed after it. application_received
counts only for pre_review (the other statuses it can carry are announced by
the one-time notice and the acceptance that travel with it); case_closed and
case_decided ride with a case_status_changed and add nothing.
"""
from services.common import contracts

# Events notification hears only for the change feed and webhooks: no person is told about them.
FEED_ONLY_EVENTS = frozenset({contracts.APPLICATION_RECEIVED, contracts.CASE_STATUS_CHANGED, contracts.CASE_CLOSED})


def status_of(event: dict) -> str | None:
    """The status this event moves the case to, or None when it is not a status change."""
    kind = event.get("event_type")
    if kind == contracts.APPLICATION_RECEIVED:
        return "pre_review" if event.get("status") == "pre_review" else None
    if kind == contracts.ONE_TIME_NOTICE_ISSUED:
        return "awaiting_supplement"
    if kind == contracts.APPLICATION_ACCEPTED:
        return "accepted"
    if kind == contracts.APPLICATION_REFUSED:
        return "refused"
    if kind == contracts.CASE_STATUS_CHANGED:
        return event.get("status")
    return None


def webhook_status(event: dict) -> str | None:
    """The status a webhook delivery reports: the status change's, or the decision's / closing's."""
    status = status_of(event)
    if status:
        return status
    kind = event.get("event_type")
    if kind == contracts.CASE_DECIDED:
        return event.get("result")
    if kind == contracts.CERTIFICATE_ISSUED:
        return "certificate_issued"
    if kind == contracts.CASE_CLOSED:
        return event.get("status")
    return None


def parse_cursor(cursor) -> int | None:
    """The last seq a reader saw ("" or None: from the start); None when malformed."""
    if cursor in (None, ""):
        return 0
    text = str(cursor)
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)
