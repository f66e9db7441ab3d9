"""Licence certificates (许可证): numbers, validity, the whole life of a licence and its public view.

Numbers are ASCII and URL-safe: <DEPARTMENT>-<region code>-<year>-<6-digit
sequence>, e.g. HEALTH-411400-2026-000123; anyone can verify one.

A licence is issued for a new application (新办), or continues an earlier one:
renewal (延续: the new one starts the day after the old one ends), change
(变更) and replacement (补办) (both keep the old expiry date). The earlier
certificate is then `replaced`. Staff revoke (撤销) or cancel (注销) a licence
with a reason. Holders are reminded 90 and 30 days before expiry.
"""
import datetime as dt
import re

from services.common.errors import Conflict, Forbidden, InvalidInput, field_error
from services.common.masking import mask_name

STATUSES = ("valid", "expired", "revoked", "cancelled", "replaced")  # 有效 / 过期 / 撤销 / 注销 / 已换发
STATUS_NAMES = {"valid": "有效", "expired": "已过期", "revoked": "已撤销", "cancelled": "已注销", "replaced": "已换发"}
STORED_STATUSES = ("valid", "revoked", "cancelled", "replaced")
NUMBER_PATTERN = re.compile(r"^[A-Z0-9]+-[0-9]{6}-[0-9]{4}-[0-9]{6}$")
# The licence action of a catalogue item (its snapshot's `licence_action`).
ISSUING_ACTIONS = ("new", "renew", "change", "replace")
CONTINUING_ACTIONS = ("renew", "change", "replace")
ACTION_NAMES = {"new": "核发", "renew": "延续", "change": "变更", "replace": "补办", "register": "存量证照登记",
                "revoke": "撤销", "cancel": "注销", "replaced": "换发新证"}
# Staff-recorded actions: 撤销 only while the licence is in force; 注销 also once it has expired.
TRANSITIONS = {"revoke": ("valid",), "cancel": ("valid", "expired")}
TRANSITION_STATUS = {"revoke": "revoked", "cancel": "cancelled"}
STAFF_ROLES = ("clerk", "chief_rep", "reviewer", "department_admin")
REMINDER_DAYS = (90, 30)   # 到期提醒: days before the last valid day
RENEWAL_LEAD_DAYS = 30     # 《行政许可法》第五十条: renewal applied for at least 30 days before expiry


def counter_key(department: str, year: int) -> str:
    return f"certificate:{department}:{year}"


def certificate_number(department: str, region_code: str, year: int, sequence: int) -> str:
    prefix = re.sub(r"[^A-Z0-9]", "", department.upper()) or "CERT"
    return f"{prefix}-{region_code}-{year:04d}-{sequence:06d}"


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, month=3, day=1)


def validity(issued_on: dt.date, valid_years: int) -> tuple[dt.date, dt.date]:
    """valid_from = the issue date; valid_until = the day before the same date `valid_years` later."""
    return issued_on, add_years(issued_on, int(valid_years)) - dt.timedelta(days=1)


def continued_validity(action: str, previous: dict | None, issued_on: dt.date,
                       valid_years: int) -> tuple[dt.date, dt.date]:
    """The validity of a licence issued for `action` (new, renew, change, replace)."""
    if action not in CONTINUING_ACTIONS or previous is None:
        return validity(issued_on, valid_years)
    old_until = dt.date.fromisoformat(previous["valid_until"])
    if action == "renew":  # 延续: seamless from the day after the old one ends
        start = max(old_until + dt.timedelta(days=1), issued_on)
        return start, add_years(start, int(valid_years)) - dt.timedelta(days=1)
    return issued_on, old_until  # 变更 / 补办: the remaining term of the old licence


def current_status(certificate: dict, today: dt.date) -> str:
    """The stored status, or `expired` once a valid certificate is past its last day."""
    status = certificate["status"]
    if status == "valid" and today > dt.date.fromisoformat(certificate["valid_until"]):
        return "expired"
    return status


def holder_name(applicant: dict) -> str:
    return (applicant or {}).get("name") or ""


def history_entry(action: str, status: str, at: str, on: dt.date, actor: dict | None = None,
                  reason: str | None = None, case_no: str | None = None, **extra) -> dict:
    entry = {"at": at, "on": on.isoformat(), "action": action, "action_name": ACTION_NAMES.get(action, action),
             "status": status, "actor_role": (actor or {}).get("role")}
    if reason:
        entry["reason"] = reason
    if case_no:
        entry["case_no"] = case_no
    entry.update({k: v for k, v in extra.items() if v is not None})
    return entry


def licence_action(case: dict) -> str:
    action = (case.get("item") or {}).get("licence_action") or "new"
    return action if action in ISSUING_ACTIONS else "new"


def new_certificate(number: str, case: dict, issued_on: dt.date, issued_at: str,
                    previous: dict | None = None) -> dict:
    """The certificate for an approved case; `previous` is the licence it continues (延续/变更/补办)."""
    item = case["item"]
    action = licence_action(case)
    valid_from, valid_until = continued_validity(action, previous, issued_on, item["licence_valid_years"])
    applicant = case.get("applicant") or {}
    replaces = previous["certificate_no"] if previous and action in CONTINUING_ACTIONS else None
    return {
        "_id": number,
        "certificate_no": number,
        "case_no": case["case_no"],
        "item_code": case["item_code"],
        "item_name": case["item_name"],
        "licence_name": item.get("licence_name") or case["item_name"],
        "department": case["department"],
        "department_name": item.get("department_name"),
        "owner": case.get("owner"),
        "submitted_by": case.get("submitted_by"),
        "channel": case.get("channel"),
        "holder_name": holder_name(applicant),
        "holder_type": applicant.get("type"),
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
        "status": "valid",
        "kind": action,
        "replaces": replaces,
        "replaced_by": None,
        "issued_at": issued_at,
        "issued_on": issued_on.isoformat(),
        "reminded": [],
        "history": [history_entry(action, "valid", issued_at, issued_on, case_no=case["case_no"],
                                  replaces=replaces)],
        "version": 1,
    }


def check_continuable(previous: dict, today: dt.date) -> None:
    """延续/变更/补办 continue a licence still in force (or, for a late decision on a renewal, just expired)."""
    status = current_status(previous, today)
    if status not in ("valid", "expired"):
        raise Conflict(f"原许可证 {previous['certificate_no']} {STATUS_NAMES[status]}，不能据此换发新证")


def replaced_update(certificate: dict, by: dict, at: str, on: dt.date) -> dict:
    """The update marking `certificate` replaced by the licence `by` (延续/变更/补办 issued)."""
    entry = history_entry("replaced", "replaced", at, on, case_no=by["case_no"], replaced_by=by["certificate_no"])
    return {"$set": {"status": "replaced", "replaced_by": by["certificate_no"]}, "$push": {"history": entry}}


def check_transition(certificate: dict, action: str, reason, actor: dict, today: dt.date) -> str:
    """Revoke (撤销) or cancel (注销): who may, from which status, with a reason. Returns the reason."""
    errors = []
    if action not in TRANSITIONS:
        errors.append(field_error("action", "操作须为 revoke（撤销）或 cancel（注销）"))
    if not isinstance(reason, str) or not reason.strip():
        errors.append(field_error("reason", "请填写撤销或注销的理由"))
    elif len(reason) > 1000:
        errors.append(field_error("reason", "理由不能超过 1000 字"))
    if errors:
        raise InvalidInput("证照操作有误", errors)
    role = (actor or {}).get("role")
    own_staff = role in STAFF_ROLES and actor.get("department") == certificate["department"]
    if not (own_staff or role == "centre_admin"):
        raise Forbidden("只有发证部门的工作人员可以撤销或注销许可证")
    status = current_status(certificate, today)
    if status not in TRANSITIONS[action]:
        raise Conflict(f"许可证当前状态为「{STATUS_NAMES[status]}」，不能{ACTION_NAMES[action]}")
    return reason.strip()


def transition_update(certificate: dict, action: str, reason: str, actor: dict, at: str, on: dt.date) -> dict:
    status = TRANSITION_STATUS[action]
    entry = history_entry(action, status, at, on, actor, reason, actor_username=actor.get("username"))
    return {"$set": {"status": status, "ended_on": on.isoformat(), "end_reason": reason},
            "$push": {"history": entry}}


def reminder_due(certificate: dict, today: dt.date) -> int | None:
    """The reminder (90 or 30 days before expiry) due today and not yet sent, if any.

    When both are due (a licence registered late), only the nearer one is sent."""
    if current_status(certificate, today) != "valid":
        return None
    days_left = (dt.date.fromisoformat(certificate["valid_until"]) - today).days
    due = [d for d in REMINDER_DAYS if days_left <= d and d not in (certificate.get("reminded") or [])]
    return min(due) if due else None


def reminded_update(certificate: dict, threshold: int) -> dict:
    """Every reminder at or above `threshold` counts as sent (the 90-day one is moot once the 30-day one went)."""
    sent = [d for d in REMINDER_DAYS if d >= threshold]
    return {"$addToSet": {"reminded": {"$each": sent}}}


def renewal_deadline(certificate: dict) -> dt.date:
    """The last day a renewal may be applied for."""
    return dt.date.fromisoformat(certificate["valid_until"]) - dt.timedelta(days=RENEWAL_LEAD_DAYS)


def public_view(certificate: dict, today: dt.date) -> dict:
    """What anyone may see: an enterprise holder in full, a person by family name only; no identifiers."""
    name = certificate["holder_name"]
    if certificate.get("holder_type") == "person":
        name = mask_name(name)
    status = current_status(certificate, today)
    history = [{k: v for k, v in entry.items() if k != "actor_username"} for entry in certificate.get("history") or []]
    view = {
        "certificate_no": certificate["certificate_no"],
        "item_code": certificate["item_code"],
        "item_name": certificate["item_name"],
        "licence_name": certificate.get("licence_name") or certificate["item_name"],
        "department": certificate["department"],
        "holder_name": name,
        "valid_from": certificate["valid_from"],
        "valid_until": certificate["valid_until"],
        "status": status,
        "status_name": STATUS_NAMES[status],
        "case_no": certificate["case_no"],
        "history": history,
    }
    for link in ("replaces", "replaced_by"):
        if certificate.get(link):
            view[link] = certificate[link]
    return view


def record_view(certificate: dict, today: dt.date) -> dict:
    """The full record for the licence document and staff: the holder's name unmasked (no identifiers are stored)."""
    view = public_view(certificate, today)
    view.update(holder_name=certificate["holder_name"], holder_type=certificate.get("holder_type"),
                department_name=certificate.get("department_name"), issued_on=certificate.get("issued_on"),
                kind=certificate.get("kind"), owner=certificate.get("owner"))
    return view
