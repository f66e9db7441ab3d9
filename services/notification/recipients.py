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
