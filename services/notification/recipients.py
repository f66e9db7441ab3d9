"""Who hears about an event, and over which channels.

Recipients are names, not addresses: the applicant's inbox is their username
(`owner`), supervisors share "role:supervisor", a department's staff share
"dept:<department>:staff". SMS and email need an address, which only the
applicant has. The phone is never in an event (masked there): an SMS is
planned without an address and the courier asks intake for it when sending.
"""
import re
from dataclasses import dataclass

from services.common import contracts
from services.common.identity import MOBILE
from services.notification.templates import APPLICANT, EMAIL, INBOX, SMS, STAFF, SUPERVISOR

SUPERVISORS = "role:supervisor"

APPLICANT_EVENTS = frozenset({
    contracts.APPLICATION_ACCEPTED,
    contracts.ONE_TIME_NOTICE_ISSUED,
    contracts.APPLICATION_REFUSED,
    contracts.CASE_DECIDED,
    contracts.CERTIFICATE_ISSUED,
    contracts.CERTIFICATE_EXPIRING,
    contracts.CERTIFICATE_STATUS_CHANGED,
})
EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Delivery:
    """One message to send: to whom, as which audience, over which channel, at which address."""
    recipient: str
    audience: str
    channel: str
    address: str | None = None


def department_staff(department: str) -> str:
    return f"dept:{department}:staff"


def applicant_recipient(event: dict) -> str:
    """The owner's username; a case without an account is named by its case number."""
    return event.get("owner") or f"case:{event.get('case_no')}:applicant"


def contact_from(event: dict) -> dict:
    """The applicant's usable phone (full mobile only; a masked one is useless) and email."""
    applicant = event.get("applicant") or {}
    phone = str(applicant.get("phone") or "").strip()
    email = str(applicant.get("email") or "").strip()
    return {
        "phone": phone if MOBILE.match(phone) else None,
        "email": email if EMAIL_ADDRESS.match(email) else None,
    }


def event_contact(event: dict) -> dict | None:
    """The applicant's contact as an event carrying the whole applicant gives it (application_accepted):
    the case's contact as it is now, so the stored one need not be read. None for other events."""
    return contact_from(event) if isinstance(event.get("applicant"), dict) else None


def plan(event: dict, contact: dict | None, channels: frozenset[str]) -> list[Delivery]:
    """Every delivery an event calls for, given the applicant's contact and the channels available."""
    event_type = event["event_type"]
    contact = contact or {}
    if event_type in APPLICANT_EVENTS:
        recipient = applicant_recipient(event)
        deliveries = [Delivery(event["owner"], APPLICANT, INBOX)] if event.get("owner") else []
        if SMS in channels and event.get("case_no"):  # address None: resolved from intake at send time
            deliveries.append(Delivery(recipient, APPLICANT, SMS, contact.get("phone")))
        if contact.get("email") and EMAIL in channels:
            deliveries.append(Delivery(recipient, APPLICANT, EMAIL, contact["email"]))
        return deliveries
    if event_type in ISSUE5_EVENTS:
        return _issue5_plan(event, contact, channels)
    # issue 6: the complainant (an account) and the rating applicant are told each step in their inbox
    if event_type == contracts.COMPLAINT_UPDATED:
        return [Delivery(event["submitted_by"], APPLICANT, INBOX)] if event.get("submitted_by") else []
    if event_type == contracts.FOLLOW_UP_UPDATED:
        return [Delivery(event["owner"], APPLICANT, INBOX)] if event.get("owner") else []
    if event_type == contracts.RATING_SUBMITTED and not event.get("bad"):
        return []
    if event_type in (contracts.RATING_SUBMITTED, contracts.COMPLAINT_RECEIVED):
        deliveries = [Delivery(SUPERVISORS, SUPERVISOR, INBOX)]
        if event.get("department"):
            deliveries.append(Delivery(department_staff(event["department"]), STAFF, INBOX))
        return deliveries
    return []


def uses_contact(event: dict) -> bool:
    """Can `plan` address the applicant over SMS or email for this event (so the stored contact is worth
    reading)? False for the events most of a case's life is made of (received, status changes, closed)."""
    event_type = event["event_type"]
    if event_type == contracts.CASE_STATUS_CHANGED:
        return event.get("action") in TOLD_IN_WRITING
    return event_type in APPLICANT_EVENTS or event_type == contracts.APPLICATION_WITHDRAWN


# --- issue 5: 电子监察 alerts, letter reminders, pauses and extensions told to the applicant ----
ISSUE5_EVENTS = frozenset({contracts.SUPERVISION_ALERT, contracts.DELEGATION_EXPIRING, contracts.CASE_STATUS_CHANGED,
                           contracts.APPLICATION_WITHDRAWN})
TOLD_IN_WRITING = ("pause_clock", "extend")


def _issue5_plan(event: dict, contact: dict, channels: frozenset[str]) -> list[Delivery]:
    event_type = event["event_type"]
    if event_type == contracts.SUPERVISION_ALERT:
        # The staff member holding the case, and the centre's supervisors.
        holder = event.get("responsible") or department_staff(event["department"])
        return [Delivery(holder, STAFF, INBOX), Delivery(SUPERVISORS, SUPERVISOR, INBOX)]
    if event_type == contracts.DELEGATION_EXPIRING:
        return [Delivery(department_staff(event["department"]), STAFF, INBOX)]
    if event_type == contracts.CASE_STATUS_CHANGED and event.get("action") not in TOLD_IN_WRITING:
        return []
    deliveries = [Delivery(event["owner"], APPLICANT, INBOX)] if event.get("owner") else []
    if SMS in channels:
        deliveries.append(Delivery(applicant_recipient(event), APPLICANT, SMS, contact.get("phone")))
    return deliveries
