"""结果公示: decisions published without personal data beyond the masked holder."""
import datetime as dt

from services.common.errors import InvalidInput, field_error
from services.common.masking import mask_name, mask_text

RESULT_NAMES = {"approved": "准予许可", "denied": "不予许可"}
MAX_LIMIT = 500


def _day(value, name: str, errors: list) -> str | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    errors.append(field_error(name, "日期格式须为 YYYY-MM-DD"))
    return None


def check_query(department, date_from, date_to, limit) -> dict:
    errors: list[dict] = []
    query = {"department": department or None, "from": _day(date_from, "from", errors),
             "to": _day(date_to, "to", errors)}
    if department is not None and not isinstance(department, str):
        errors.append(field_error("department", "部门代码须为文本"))
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        errors.append(field_error("limit", f"须为 1–{MAX_LIMIT} 之间的整数"))
    if query["from"] and query["to"] and query["from"] > query["to"]:
        errors.append(field_error("to", "结束日期不能早于开始日期"))
    if errors:
        raise InvalidInput("查询条件有误", errors)
    return {**query, "limit": limit}


def masked_holder(applicant: dict) -> str:
    """A person by family name only; an enterprise by its registered name (public in the business register)."""
    name = (applicant or {}).get("name") or ""
    return mask_name(name) if (applicant or {}).get("type") == "person" else mask_text(name)


def public_result(case: dict) -> dict:
    decision = case["decision"]
    result = {
        "case_no": case["case_no"], "item_code": case["item_code"], "item_name": case.get("item_name"),
        "department": case["department"], "holder": masked_holder(case.get("applicant") or {}),
        "decision": decision["result"], "decision_name": RESULT_NAMES.get(decision["result"], decision["result"]),
        "decided_on": decision["decided_on"],
    }
    if case.get("certificate_no"):
        result["certificate_no"] = case["certificate_no"]
    return result
