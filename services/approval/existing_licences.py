"""Licences issued before the platform (存量证照): registered by the department so that they can be
verified, renewed, changed, replaced, revoked and cancelled like the ones the platform issues."""
import datetime as dt

from services.approval import certificates
from services.common.errors import Forbidden, InvalidInput, field_error

HOLDER_TYPES = ("person", "enterprise")


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def check_registration(raw, item: dict | None, actor: dict) -> dict:
    """The cleaned registration body, or InvalidInput naming every bad field; Forbidden for another department."""
    if not isinstance(raw, dict):
        raise InvalidInput("证照数据须为对象", [field_error("", "须为对象")])
    errors = []
    if item is None:
        errors.append(field_error("item_code", "事项目录中没有该事项"))
    elif not (item.get("licence") or {}).get("valid_years"):
        errors.append(field_error("item_code", "该事项不颁发许可证"))
    name = raw.get("holder_name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        errors.append(field_error("holder_name", "请填写持证人名称（不超过100字）"))
    if raw.get("holder_type") not in HOLDER_TYPES:
        errors.append(field_error("holder_type", "持证人类型须为 person（个人）或 enterprise（企业）"))
    days = {}
    for field in ("valid_from", "valid_until"):
        days[field] = _date(raw.get(field))
        if days[field] is None:
            errors.append(field_error(field, "日期格式须为 YYYY-MM-DD"))
    if days["valid_from"] and days["valid_until"] and days["valid_until"] < days["valid_from"]:
        errors.append(field_error("valid_until", "有效期截止日期不能早于起始日期"))
    for field, limit in (("legacy_no", 64), ("owner_account", 64)):
        value = raw.get(field)
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > limit):
            errors.append(field_error(field, f"须为1-{limit}个字符"))
    if errors:
        raise InvalidInput("存量证照登记信息有误", errors)
    role = actor.get("role")
    if not (role == "centre_admin" or (role == "department_admin" and actor.get("department") == item["department"])):
        raise Forbidden("只有本部门管理员可以登记本部门的存量证照")
    return {**raw, "holder_name": name.strip(), **{k: v.isoformat() for k, v in days.items()}}


def registered_certificate(number: str, body: dict, item: dict, actor: dict, at: str, today: dt.date) -> dict:
    """A certificate document for a licence issued on paper before the platform."""
    licence = item.get("licence") or {}
    return {
        "_id": number, "certificate_no": number, "case_no": None, "legacy_no": body.get("legacy_no"),
        "item_code": item["code"], "item_name": item["name"], "licence_name": licence.get("name") or item["name"],
        "department": item["department"], "department_name": item.get("department_name"),
        "owner": body.get("owner_account"), "submitted_by": actor.get("username"), "channel": "window",
        "holder_name": body["holder_name"], "holder_type": body["holder_type"],
        "valid_from": body["valid_from"], "valid_until": body["valid_until"], "status": "valid", "kind": "register",
        "replaces": None, "replaced_by": None, "issued_at": at, "issued_on": body["valid_from"], "reminded": [],
        "history": [certificates.history_entry("register", "valid", at, today, actor, legacy_no=body.get("legacy_no"))],
        "version": 1,
    }
