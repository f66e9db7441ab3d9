"""Letters of authority (首席代表委托书 / AB岗): issue, renew, revoke, and the reminder before one ends.

A letter names the department, its A and B accounts, the items and, per item,
the actions it covers (letter codes, see services.common.policy.LETTER_ACTIONS),
and its validity (2 years by default). Its history records every issue, renewal
and revocation. Pure functions; the service stores what they return.
"""
import datetime as dt
import uuid

from services.approval.certificates import add_years
from services.common import policy
from services.common.calendar import parse_date
from services.common.errors import Conflict, InvalidInput, field_error

REMINDER_DAYS = 30   # a reminder goes to the department one month before a letter ends
NAME_FIELDS = ("a_account", "b_account")
ACTIONS_HINT = "权限须为 " + "、".join(f"{code}（{name}）" for code, name in policy.LETTER_ACTIONS.items())


def _date_field(body: dict, name: str, errors: list, default: dt.date | None = None) -> dt.date | None:
    value = body.get(name)
    if value in (None, ""):
        if default is None:
            errors.append(field_error(name, "必填"))
        return default
    try:
        return parse_date(value)
    except (TypeError, ValueError):
        errors.append(field_error(name, "日期格式须为 YYYY-MM-DD"))
        return None


def _items(value, errors: list) -> list[dict]:
    if not isinstance(value, list) or not value:
        errors.append(field_error("items", "至少授权一个事项"))
        return []
    items, seen = [], set()
    for index, entry in enumerate(value):
        where = f"items[{index}]"
        if not isinstance(entry, dict):
            errors.append(field_error(where, "须为对象"))
            continue
        code = entry.get("item_code")
        if not isinstance(code, str) or not code.strip():
            errors.append(field_error(f"{where}.item_code", "必填"))
        elif code in seen:
            errors.append(field_error(f"{where}.item_code", "事项重复"))
        actions = entry.get("actions")
        if not isinstance(actions, list) or not actions:
            errors.append(field_error(f"{where}.actions", "至少授权一项权限"))
            continue
        codes = []
        for number, action in enumerate(actions):
            code_of = policy.letter_action(action) if isinstance(action, str) else None
            if code_of is None:
                errors.append(field_error(f"{where}.actions[{number}]", ACTIONS_HINT))
            elif code_of not in codes:
                codes.append(code_of)
        if isinstance(code, str) and code.strip():
            seen.add(code)
            items.append({"item_code": code.strip(), "actions": codes})
    return items


def validate_letter(body, today: dt.date) -> dict:
    """The letter an admin issues, checked; every bad field at once."""
    if not isinstance(body, dict):
        raise InvalidInput("授权委托书有误", [field_error("(body)", "须为对象")])
    errors = []
    for name in ("department", *NAME_FIELDS):
        if not isinstance(body.get(name), str) or not body.get(name).strip():
            errors.append(field_error(name, "必填"))
    if body.get("a_account") and body.get("a_account") == body.get("b_account"):
        errors.append(field_error("b_account", "A角与B角不能是同一人"))
    kind = body.get("kind") or "chief_rep"
    if kind not in policy.LETTER_KINDS:
        errors.append(field_error("kind", "须为 chief_rep（首席代表）或 post（AB岗）"))
    items = _items(body.get("items"), errors)
    valid_from = _date_field(body, "valid_from", errors, default=today)
    default_until = add_years(valid_from, policy.DEFAULT_VALID_YEARS) - dt.timedelta(days=1) if valid_from else None
    valid_until = _date_field(body, "valid_until", errors, default=default_until)
    if valid_from and valid_until and valid_until < valid_from:
        errors.append(field_error("valid_until", "截止日期不能早于起始日期"))
    if errors:
        raise InvalidInput("授权委托书有误", errors)
    return {"department": body["department"].strip(), "kind": kind, "a_account": body["a_account"].strip(),
            "b_account": body["b_account"].strip(), "items": items,
            "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()}


def new_letter(fields: dict, by: str, at: str) -> dict:
    return {"_id": uuid.uuid4().hex, **fields, "status": "active", "issued_by": by, "issued_at": at,
            "version": 1, "reminded_for": None,
            "history": [{"at": at, "action": "issue", "by": by, "valid_until": fields["valid_until"]}]}


def renewed(letter: dict, valid_until, by: str, at: str) -> dict:
    """The $set of a renewal (续期): a later end date on a letter still active."""
    if letter["status"] != "active":
        raise Conflict("已撤销的授权委托书不能续期")
    try:
        until = parse_date(valid_until)
    except (TypeError, ValueError):
        raise InvalidInput("续期日期有误", [field_error("valid_until", "日期格式须为 YYYY-MM-DD")]) from None
    if until <= parse_date(letter["valid_until"]):
        raise InvalidInput("续期日期有误", [field_error("valid_until", "须晚于当前截止日期")])
    return {"valid_until": until.isoformat(),
            "history": letter["history"] + [{"at": at, "action": "renew", "by": by, "valid_until": until.isoformat()}]}


def revoked(letter: dict, reason: str | None, by: str, at: str) -> dict:
    if letter["status"] != "active":
        raise Conflict("授权委托书已撤销")
    entry = {"at": at, "action": "revoke", "by": by, **({"reason": reason} if reason else {})}
    return {"status": "revoked", "revoked_at": at, "revoked_by": by, "history": letter["history"] + [entry]}


def reminder_due(letter: dict, today: dt.date) -> bool:
    """Active, ending within a month, and not yet reminded for this end date."""
    until = parse_date(letter["valid_until"])
    return (letter["status"] == "active" and today <= until <= today + dt.timedelta(days=REMINDER_DAYS)
            and letter.get("reminded_for") != letter["valid_until"])


def view(letter: dict, today: dt.date) -> dict:
    fields = ("department", "kind", "a_account", "b_account", "items", "valid_from", "valid_until", "status",
              "issued_by", "issued_at", "revoked_at", "revoked_by", "history")
    return {"id": letter["_id"], **{name: letter.get(name) for name in fields},
            "in_force": policy.in_force(letter, today)}


def authority_letter(letter: dict) -> dict:
    """The letter as the policy reads it."""
    return {"id": letter["_id"], **{k: letter[k] for k in ("department", "kind", "a_account", "b_account", "items",
                                                            "valid_from", "valid_until", "status")}}
