"""Validation of an application body (POST /v1/applications) and of supplements.

Every bad field is collected and reported at once, with paths such as
"applicant.id_number" or "materials[1].code".
"""
import datetime as dt

from services.common import identity
from services.common.errors import InvalidInput, field_error

CHANNELS = ("window", "online", "province")
APPLICANT_TYPES = ("person", "enterprise")
MAX_NAME = 100
# Optional per-material fields kept from the body (anything else is dropped).
MATERIAL_EXTRAS = ("name", "note", "file_id")


def _name(value, path: str, label: str, errors: list) -> None:
    if not isinstance(value, str) or not value.strip():
        errors.append(field_error(path, f"请填写{label}"))
    elif len(value) > MAX_NAME:
        errors.append(field_error(path, f"{label}不能超过{MAX_NAME}个字符"))


def _check(problem: str | None, path: str, errors: list) -> None:
    if problem:
        errors.append(field_error(path, problem))


def _applicant(raw, today: dt.date, errors: list) -> dict | None:
    if not isinstance(raw, dict):
        errors.append(field_error("applicant", "请填写申请人信息"))
        return None
    kind = raw.get("type")
    if kind not in APPLICANT_TYPES:
        errors.append(field_error("applicant.type", "申请人类型须为 person（个人）或 enterprise（企业）"))
        return None
    _check(identity.mobile_problem(raw.get("phone")), "applicant.phone", errors)
    if kind == "person":
        _name(raw.get("name"), "applicant.name", "申请人姓名", errors)
        _check(identity.id_number_problem(raw.get("id_number"), today), "applicant.id_number", errors)
        keys = ("type", "name", "id_number", "phone")
    else:
        _name(raw.get("name"), "applicant.name", "企业名称", errors)
        _name(raw.get("legal_representative"), "applicant.legal_representative", "法定代表人", errors)
        _check(identity.credit_code_problem(raw.get("credit_code")), "applicant.credit_code", errors)
        keys = ("type", "name", "credit_code", "legal_representative", "phone")
    cleaned = {k: raw.get(k).strip() if isinstance(raw.get(k), str) else raw.get(k) for k in keys}
    for key in ("id_number", "credit_code"):
        if isinstance(cleaned.get(key), str):
            cleaned[key] = cleaned[key].upper()
    return cleaned


def _material(raw, path: str, known: set[str] | None, errors: list) -> dict | None:
    if not isinstance(raw, dict):
        errors.append(field_error(path, "每份材料须为对象，至少包含 code"))
        return None
    before = len(errors)
    code = raw.get("code")
    if not isinstance(code, str) or not code:
        errors.append(field_error(path + ".code", "请填写材料代码"))
    elif known is not None and code not in known:
        errors.append(field_error(path + ".code", f"本事项的材料清单中没有 {code}"))
    copies = raw.get("copies")
    if copies is not None and (not isinstance(copies, int) or isinstance(copies, bool) or copies < 1):
        errors.append(field_error(path + ".copies", "份数须为正整数"))
    if "original" in raw and not isinstance(raw["original"], bool):
        errors.append(field_error(path + ".original", "须为布尔值（是否提交原件）"))
    if len(errors) > before:
        return None
    material = {"code": code, **{k: raw[k] for k in MATERIAL_EXTRAS if isinstance(raw.get(k), str)}}
    for key in ("copies", "original"):
        if key in raw and raw[key] is not None:
            material[key] = raw[key]
    return material


def validate_materials(raw, item: dict | None, errors: list, path: str = "materials") -> list[dict]:
    """Handed-in materials: a list of {code, copies?, original?, name?, note?, file_id?}."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(field_error(path, "材料须为列表"))
        return []
    known = {m["code"] for m in item["materials"]} if item else None
    materials, seen = [], set()
    for i, entry in enumerate(raw):
        material = _material(entry, f"{path}[{i}]", known, errors)
        if material and material["code"] in seen:
            errors.append(field_error(f"{path}[{i}].code", f"材料 {material['code']} 重复提交"))
        elif material:
            seen.add(material["code"])
            materials.append(material)
    return materials


def _pledges(raw, item: dict | None, today: dt.date, errors: list) -> list[dict]:
    """告知承诺: [{material_code, due_date}] for pledgeable materials, due after today."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(field_error("pledges", "承诺事项须为列表"))
        return []
    by_code = {m["code"]: m for m in item["materials"]} if item else None
    pledges, seen = [], set()
    for i, entry in enumerate(raw):
        path = f"pledges[{i}]"
        if not isinstance(entry, dict):
            errors.append(field_error(path, "须为对象：{material_code, due_date}"))
            continue
        code, due = entry.get("material_code"), entry.get("due_date")
        code_ok = isinstance(code, str) and code and (by_code is None or code in by_code)
        if not code_ok:
            errors.append(field_error(path + ".material_code", "请填写本事项材料清单中的材料代码"))
        elif by_code and not by_code[code].get("pledgeable", True):
            errors.append(field_error(path + ".material_code", f"{by_code[code]['name']}不适用告知承诺，须当场提交"))
            code_ok = False
        elif code in seen:
            errors.append(field_error(path + ".material_code", f"材料 {code} 重复承诺"))
            code_ok = False
        try:
            due_date = dt.date.fromisoformat(due) if isinstance(due, str) and len(due) == 10 else None
        except ValueError:
            due_date = None
        if due_date is None:
            errors.append(field_error(path + ".due_date", "承诺补交日期须为 YYYY-MM-DD"))
        elif due_date <= today:
            errors.append(field_error(path + ".due_date", "承诺补交日期须晚于今天"))
        if code_ok and due_date and due_date > today:
            seen.add(code)
            pledges.append({"material_code": code, "due_date": due_date.isoformat()})
    return pledges


def validate_application(body, item: dict | None, today: dt.date) -> dict:
    """Return the cleaned application or raise InvalidInput naming every bad field.

    `item` is the current catalogue item for body["item_code"] (None if unknown).
    """
    if not isinstance(body, dict):
        raise InvalidInput("申请内容须为 JSON 对象", [field_error("", "须为对象")])
    errors: list[dict] = []
    code = body.get("item_code")
    if not isinstance(code, str) or not code:
        errors.append(field_error("item_code", "请填写事项编码"))
    elif item is None:
        errors.append(field_error("item_code", f"事项目录中没有 {code}"))
    if body.get("channel") not in CHANNELS:
        errors.append(field_error("channel", "申请渠道须为 window（窗口）、online（网上）或 province（省平台）"))
    owner = body.get("owner_account")
    if owner is not None and (not isinstance(owner, str) or not owner.strip() or len(owner) > 64):
        errors.append(field_error("owner_account", "申请人账号须为1-64个字符"))
    cleaned = {
        "item_code": code, "channel": body.get("channel"), "owner_account": owner,
        "applicant": _applicant(body.get("applicant"), today, errors),
        "materials": validate_materials(body.get("materials"), item, errors),
        "pledges": _pledges(body.get("pledges"), item, today, errors),
    }
    if errors:
        raise InvalidInput(f"申请内容有{len(errors)}处错误", errors)
    return cleaned
