"""Accountability (责任追究): records per person and unit per year, and the ladder.

Seed 002's ladder, applied automatically: 1 record in a year bars a person from
awards (no_award); 2 fail the annual assessment (fail_assessment); a unit with 3
is publicly criticised and cannot be rated advanced (criticised).
Sources: substantiated complaint, decision outside a letter of authority,
overdue case, unrectified bad rating, or a supervisor's manual record.
"""
import datetime as dt
import uuid

from services.common.errors import Forbidden, InvalidInput, field_error

SOURCES = ("complaint", "authority_violation", "overdue_case", "unrectified_rating", "manual")
SOURCE_LABELS = {"complaint": "投诉属实", "authority_violation": "越权审批", "overdue_case": "超期办件",
                 "unrectified_rating": "差评未整改", "manual": "督查记录"}
PERSON_LADDER = ((2, "fail_assessment"), (1, "no_award"), (0, "none"))
UNIT_LADDER = ((3, "criticised"), (0, "none"))
CONSEQUENCE_LABELS = {"none": "无", "no_award": "当年不得评优", "fail_assessment": "年度考核不合格",
                      "criticised": "通报批评，不得评为先进"}
RECORDERS = frozenset({"supervisor", "centre_admin"})
REASON_MAX = 1000


def person_consequence(records: int) -> str:
    return next(name for threshold, name in PERSON_LADDER if records >= threshold)


def unit_consequence(records: int) -> str:
    return next(name for threshold, name in UNIT_LADDER if records >= threshold)


def person_eligible(records: int) -> bool:
    """May be a 服务标兵 (any record that year bars awards)."""
    return person_consequence(records) == "none"


def unit_eligible(records: int) -> bool:
    """May be a 红旗窗口 (a criticised unit cannot be rated advanced)."""
    return unit_consequence(records) == "none"


def summary(year: int, people: list[dict], units: list[dict]) -> dict:
    """people: [{"username","records","sources"}], units: [{"department","records","sources"}] → the ladder view."""
    return {
        "year": year,
        "people": [{**p, "consequence": person_consequence(p["records"]),
                    "consequence_label": CONSEQUENCE_LABELS[person_consequence(p["records"])]}
                   for p in sorted(people, key=lambda p: (-p["records"], p["username"]))],
        "units": [{**u, "consequence": unit_consequence(u["records"]),
                   "consequence_label": CONSEQUENCE_LABELS[unit_consequence(u["records"])]}
                  for u in sorted(units, key=lambda u: (-u["records"], u["department"]))],
    }


def record(source: str, ref: str | None, username: str | None, department: str | None, reason: str,
           day: dt.date, recorded_by: str | None = None, key: str | None = None) -> dict:
    """One record; `key` (natural, e.g. the source event) makes writing it twice harmless."""
    return {"_id": key or f"{source}:{ref or uuid.uuid4().hex}", "source": source, "ref": ref,
            "username": username, "department": department, "reason": reason, "date": day.isoformat(),
            "year": day.year, "recorded_by": recorded_by}


def manual(entry, actor: dict, today: dt.date) -> dict:
    """A supervisor's record by hand: a unit, optionally a person, and a reason (every bad field named)."""
    if (actor or {}).get("role") not in RECORDERS:
        raise Forbidden("只有督查人员可以登记责任追究")
    entry = entry if isinstance(entry, dict) else {}
    errors = []
    values = {}
    for name, label, required in (("department", "责任单位", True), ("username", "责任人", False),
                                  ("reason", "追究理由", True), ("date", "日期", False)):
        value = entry.get(name)
        if value is not None and not isinstance(value, str):
            errors.append(field_error(name, f"{label}须为文本"))
            continue
        value = (value or "").strip() or None
        if required and not value:
            errors.append(field_error(name, f"{label}不能为空"))
        values[name] = value
    if values.get("reason") and len(values["reason"]) > REASON_MAX:
        errors.append(field_error("reason", f"追究理由不能超过 {REASON_MAX} 字"))
    day = today
    if values.get("date"):
        try:
            day = dt.date.fromisoformat(values["date"])
        except ValueError:
            errors.append(field_error("date", "日期格式须为 YYYY-MM-DD"))
    if errors:
        raise InvalidInput("责任追究登记有误", errors)
    return record("manual", None, values["username"], values["department"], values["reason"], day,
                  actor.get("username"))
