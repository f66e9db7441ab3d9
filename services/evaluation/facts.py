"""Per-case facts (办件事实) the metrics are computed from, taken from the case events.

Each event contributes the fields it knows; none overwrites a known value with
nothing, so events may arrive in any order. The people are kept for the
per-staff metrics: who received the case (首问负责, `first_contact` on
acceptance) and who decided it (`decided_by`, else the event's `actor`);
fields an older producer leaves out are simply absent.
"""
import datetime as dt

from services.common import contracts
from services.common.localtime import local_date as local_day

CASE_FIELDS = ("department", "item_code", "item_name", "owner", "channel", "submitted_by")

_EVENT_FIELDS = {
    contracts.APPLICATION_RECEIVED: {"received_at": "received_at"},
    contracts.APPLICATION_ACCEPTED: {"received_at": "received_at", "accepted_on": "accepted_on",
                                     "deadlines": "deadlines"},
    contracts.APPLICATION_REFUSED: {"reason": "refused_reason"},
    contracts.CASE_DECIDED: {"accepted_on": "accepted_on", "deadlines": "deadlines", "decided_on": "decided_on",
                             "result": "result", "on_time": "on_time", "early": "early",
                             "used_working_days": "used_working_days", "decided_by": "decided_by"},
    contracts.CASE_CLOSED: {"closed_on": "closed_on", "status": "closed_status"},
}

# The events that usually come first for a case (the store tries to insert its facts before reading them).
OPENING = frozenset({contracts.APPLICATION_RECEIVED, contracts.APPLICATION_ACCEPTED})


def local_date(moment: str | None) -> str | None:
    """The centre's calendar date of an ISO datetime (a bare date passes through)."""
    if not moment:
        return None
    parsed = dt.datetime.fromisoformat(moment)
    if parsed.tzinfo is None:
        return parsed.date().isoformat()
    return local_day(parsed).isoformat()


def told_again_later(event: dict) -> bool:
    """True for an application_received whose application was accepted in the same write (a complete
    window submission: the event says status "accepted"). Intake stored and publishes the
    application_accepted with it, and that event carries every fact this one does (the case fields and
    received_at) and more, so recording this one too would only cost a write."""
    return event["event_type"] == contracts.APPLICATION_RECEIVED and event.get("status") == "accepted"


def facts_from(event: dict) -> dict:
    """The case facts one event establishes (fields with no value left out)."""
    event_type = event["event_type"]
    facts = {name: event.get(name) for name in CASE_FIELDS}
    facts.update({target: event.get(source) for source, target in _EVENT_FIELDS[event_type].items()})
    if facts.get("received_at"):
        facts["received_on"] = local_date(facts["received_at"])
    if event_type == contracts.APPLICATION_ACCEPTED:
        facts["received_by"] = (event.get("first_contact") or {}).get("username")
    if event_type == contracts.APPLICATION_REFUSED:
        facts["refused"] = True
        facts["refused_on"] = local_date(event.get("occurred_at"))
        facts["refused_by"] = event.get("actor")
    if event_type == contracts.CASE_DECIDED and not facts.get("decided_by"):
        facts["decided_by"] = event.get("actor")
    return {name: value for name, value in facts.items() if value is not None}
