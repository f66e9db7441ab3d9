"""Licence certificates (许可证): numbers, validity, statuses and the public view.

Numbers are ASCII and URL-safe: <DEPARTMENT>-<region code>-<year>-<6-digit
sequence>, e.g. HEALTH-411400-2026-000123; anyone can verify one.
"""
import datetime as dt
import re

from services.common.masking import mask_name

STATUSES = ("valid", "revoked", "cancelled", "expired")  # 有效 / 撤销 / 注销 / 过期
STORED_STATUSES = ("valid", "revoked", "cancelled")
NUMBER_PATTERN = re.compile(r"^[A-Z0-9]+-[0-9]{6}-[0-9]{4}-[0-9]{6}$")


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


def current_status(certificate: dict, today: dt.date) -> str:
    """The stored status, or `expired` once a valid certificate is past its last day."""
    status = certificate["status"]
    if status == "valid" and today > dt.date.fromisoformat(certificate["valid_until"]):
        return "expired"
    return status


def holder_name(applicant: dict) -> str:
    return (applicant or {}).get("name") or ""


def new_certificate(number: str, case: dict, issued_on: dt.date, issued_at: str) -> dict:
    """The stored certificate for an approved case."""
    valid_from, valid_until = validity(issued_on, case["item"]["licence_valid_years"])
    applicant = case.get("applicant") or {}
    return {
        "_id": number,
        "certificate_no": number,
        "case_no": case["case_no"],
        "item_code": case["item_code"],
        "item_name": case["item_name"],
        "department": case["department"],
        "holder_name": holder_name(applicant),
        "holder_type": applicant.get("type"),
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
        "status": "valid",
        "issued_at": issued_at,
    }


def public_view(certificate: dict, today: dt.date) -> dict:
    """What anyone may see: an enterprise holder in full, a person by family name only; no identifiers."""
    name = certificate["holder_name"]
    if certificate.get("holder_type") == "person":
        name = mask_name(name)
    return {
        "certificate_no": certificate["certificate_no"],
        "item_code": certificate["item_code"],
        "item_name": certificate["item_name"],
        "holder_name": name,
        "valid_from": certificate["valid_from"],
        "valid_until": certificate["valid_until"],
        "status": current_status(certificate, today),
        "case_no": certificate["case_no"],
    }
