"""Applications that name a licence (延续, 变更, 补办, 注销, 校验): which certificate they may name.

The certificate is approval's; intake asks for its public view and judges it
here. A renewal must be applied for at least 30 days before the licence's last
day (《行政许可法》第五十条).
"""
import datetime as dt
import re

from services.common.errors import field_error
from services.intake.catalogue import needs_licence_number

RENEWAL_LEAD_DAYS = 30
FIELD = "certificate_no"
# Which certificate statuses each licence action may name (注销 also an expired licence).
ALLOWED_STATUSES = {"renew": ("valid",), "change": ("valid",), "replace": ("valid",), "inspect": ("valid",),
                    "cancel": ("valid", "expired")}
STATUS_NAMES = {"valid": "有效", "expired": "已过期", "revoked": "已撤销", "cancelled": "已注销", "replaced": "已换发"}
ACTION_NAMES = {"renew": "延续", "change": "变更", "replace": "补办", "cancel": "注销", "inspect": "校验"}


def licence_family(item: dict) -> str:
    """The licence an item acts on: its licence's name, or for 注销/校验 its name without the suffix + 证."""
    licence = (item.get("licence") or {}).get("name")
    return licence or re.sub(r"[（(].*$", "", item["name"]) + "证"


def requested_number(body) -> str | None:
    value = body.get(FIELD) if isinstance(body, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else value


def number_errors(item: dict | None, number) -> list[dict]:
    """Errors about the field itself, before any look-up."""
    if item is None:
        return []
    if not needs_licence_number(item):
        return [field_error(FIELD, "本事项不涉及已有许可证，请勿填写证书编号")] if number is not None else []
    if not isinstance(number, str) or not number:
        return [field_error(FIELD, f"{ACTION_NAMES[item['licence_action']]}申请须填写原许可证的证书编号")]
    if len(number) > 64:
        return [field_error(FIELD, "证书编号不能超过64个字符")]
    return []


def certificate_errors(item: dict, certificate: dict | None, today: dt.date) -> list[dict]:
    """Whether the named certificate may be renewed, changed, replaced, cancelled or inspected now."""
    action = item["licence_action"]
    if certificate is None:
        return [field_error(FIELD, "证书编号不存在，请核对原许可证")]
    if certificate.get("department") != item["department"]:
        return [field_error(FIELD, "该许可证不是本部门核发的，请向发证部门申请")]
    family, name = licence_family(item), certificate.get("licence_name") or certificate.get("item_name") or ""
    if not (name == family or name.endswith(family)):
        return [field_error(FIELD, f"该证书为「{name}」，与本事项（{family}）不符")]
    status = certificate.get("status")
    if status not in ALLOWED_STATUSES[action]:
        return [field_error(FIELD, f"该许可证{STATUS_NAMES.get(status, status)}，不能申请{ACTION_NAMES[action]}")]
    if action == "renew":
        last_day = dt.date.fromisoformat(certificate["valid_until"])
        deadline = last_day - dt.timedelta(days=RENEWAL_LEAD_DAYS)
        if today > deadline:
            return [field_error(FIELD, "延续申请须在许可证有效期届满三十日前提出（《中华人民共和国行政许可法》"
                                       f"第五十条）：本证有效期至{last_day.isoformat()}，延续申请截止于"
                                       f"{deadline.isoformat()}；已逾期的，请重新申请新办")]
    return []
