"""The item catalogue (事项目录): one licensing item with all its 八公开 facts.

Items are plain dicts validated here; every edit makes a new version, and a
case keeps the snapshot of the version it was received with.
"""
import re

from services.common.errors import InvalidInput, field_error
from services.intake.departments import seed_departments

# 即办件 / 承诺件 / 联办件 / 上报件
CASE_KINDS = ("instant", "promised", "joint", "escalated")
# Review stages approval knows how to run, in the order they happen.
STAGES = ("first_review", "site_inspection", "joint_review", "decision")

ITEM_CODE = re.compile(r"^[A-Z][A-Z0-9-]{2,49}$")
MATERIAL_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
# The 八公开 texts besides name, limits and materials.
PUBLIC_TEXTS = ("legal_basis", "conditions", "procedure", "fee", "complaint_phone")
# GB/T 39046-2020 item fields: 基本编码, 实施编码, 事项类型, 行使层级, 办理形式, 咨询电话, 办理地点, 办理时间,
# and 收费依据 (the basis, also when free).
STANDARD_TEXTS = ("basic_code", "implementation_code", "item_type", "exercise_level", "handling_form",
                  "consult_phone", "location", "office_hours", "fee_basis")
# What a licence item does to a licence (证照): 新办 issues one; 延续/变更/补办 issue one that continues
# a named licence; 注销 and 校验 act on a named licence without issuing one.
LICENCE_ACTIONS = ("new", "renew", "change", "replace", "cancel", "inspect")
NAMES_A_LICENCE = ("renew", "change", "replace", "cancel", "inspect")
# Fields an edit may not change: they identify the item.
FIXED_FIELDS = ("code", "department", "version")


def _text(raw: dict, name: str, errors: list, path: str = "") -> str | None:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        errors.append(field_error(path + name, "必填，且须为非空文本"))
        return None
    return value.strip()


def _days(raw: dict, name: str, minimum: int, errors: list) -> int | None:
    value = raw.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        errors.append(field_error(name, f"须为不小于{minimum}的整数（工作日）"))
        return None
    return value


def _material(raw, path: str, errors: list) -> dict | None:
    if not isinstance(raw, dict):
        errors.append(field_error(path, "须为对象"))
        return None
    before = len(errors)
    code = raw.get("code")
    if not isinstance(code, str) or not MATERIAL_CODE.match(code):
        errors.append(field_error(path + ".code", "材料代码须为大写字母、数字和下划线"))
    name = _text(raw, "name", errors, path + ".")
    for flag in ("required", "original", "pledgeable"):
        if flag in raw and not isinstance(raw[flag], bool):
            errors.append(field_error(f"{path}.{flag}", "须为布尔值"))
    copies = raw.get("copies", 1)
    if not isinstance(copies, int) or isinstance(copies, bool) or copies < 1:
        errors.append(field_error(path + ".copies", "份数须为正整数"))
    if len(errors) > before:
        return None
    return {
        "code": code, "name": name, "required": raw.get("required", True), "copies": copies,
        "original": raw.get("original", False), "pledgeable": raw.get("pledgeable", True),
        **({"note": raw["note"]} if isinstance(raw.get("note"), str) else {}),
    }


def _materials(raw: dict, errors: list) -> list[dict]:
    value = raw.get("materials")
    if not isinstance(value, list) or not value:
        errors.append(field_error("materials", "申请材料清单不能为空"))
        return []
    materials = [_material(m, f"materials[{i}]", errors) for i, m in enumerate(value)]
    seen = set()
    for i, raw_material in enumerate(value):
        code = raw_material.get("code") if isinstance(raw_material, dict) else None
        if isinstance(code, str) and code in seen:
            errors.append(field_error(f"materials[{i}].code", f"材料代码重复：{code}"))
        seen.add(code)
    return [m for m in materials if m]


def _licence(raw: dict, errors: list) -> dict | None:
    licence = raw.get("licence")
    if licence is None:
        return None
    valid_years = licence.get("valid_years") if isinstance(licence, dict) else None
    name = licence.get("name") if isinstance(licence, dict) else None
    if not isinstance(name, str) or not name.strip():
        errors.append(field_error("licence.name", "证照名称必填"))
    if not isinstance(valid_years, int) or isinstance(valid_years, bool) or valid_years < 1:
        errors.append(field_error("licence.valid_years", "有效期（年）须为正整数"))
    return {"name": name, "valid_years": valid_years}


def _stage_limits(raw: dict, stages: list, errors: list) -> dict:
    """Working days each stage may take (分环节时限), e.g. {"first_review": 5, "decision": 3}."""
    limits = raw.get("stage_limits") or {}
    if not isinstance(limits, dict):
        errors.append(field_error("stage_limits", "须为对象：{环节: 工作日}"))
        return {}
    promised = raw.get("promised_days")
    for stage, days in limits.items():
        if stage not in stages:
            errors.append(field_error(f"stage_limits.{stage}", "须为本事项的审批环节"))
        elif not isinstance(days, int) or isinstance(days, bool) or days < 0:
            errors.append(field_error(f"stage_limits.{stage}", "须为不小于0的整数（工作日）"))
        elif isinstance(promised, int) and days > max(promised, 1):
            errors.append(field_error(f"stage_limits.{stage}", "环节时限不得长于承诺时限"))
    return dict(limits)


def _licence_action(raw: dict, licence: dict | None, errors: list) -> str | None:
    action = raw.get("licence_action")
    if action is None:
        return "new" if licence else None
    if action not in LICENCE_ACTIONS:
        errors.append(field_error("licence_action", f"证照操作须为：{'、'.join(LICENCE_ACTIONS)}"))
    elif action in ("new", "renew", "change", "replace") and licence is None:
        errors.append(field_error("licence", "核发、延续、变更、补办事项须写明所发证照（licence）"))
    return action


def _fee_amount(raw: dict, errors: list):
    amount = raw.get("fee_amount", 0)
    if not isinstance(amount, int | float) or isinstance(amount, bool) or amount < 0:
        errors.append(field_error("fee_amount", "收费金额须为不小于0的数字（元）"))
    return amount


def _kind_rules(item: dict, errors: list) -> None:
    kind, promised, statutory = item["case_kind"], item["promised_days"], item["statutory_days"]
    if isinstance(promised, int) and isinstance(statutory, int) and promised > statutory:
        errors.append(field_error("promised_days", "承诺时限不得长于法定时限"))
    if kind == "instant" and promised not in (None, 0):
        errors.append(field_error("promised_days", "即办件当场办结，承诺时限应为0"))
    if kind != "instant" and promised == 0:
        errors.append(field_error("promised_days", "承诺件的承诺时限至少为1个工作日"))
    if kind == "joint" and len(item["joint_departments"]) < 2:
        errors.append(field_error("joint_departments", "联办件须列明至少两个会签部门"))
    if kind == "joint" and "joint_review" not in item["stages"]:
        errors.append(field_error("stages", "联办件须包含并联审批环节 joint_review"))
    if kind != "joint" and item["joint_departments"]:
        errors.append(field_error("joint_departments", "只有联办件可以列明会签部门"))
    if kind == "escalated" and not item["higher_authority"]:
        errors.append(field_error("higher_authority", "上报件须写明上级审批机关"))
    if kind != "escalated" and item["higher_authority"]:
        errors.append(field_error("higher_authority", "只有上报件设有上级审批机关"))


def validate_item(raw, departments: dict | None = None) -> dict:
    """Return the cleaned item, or raise InvalidInput naming every bad field.

    `departments` maps each department code to its record (departments are data, kept by intake);
    by default the seed catalogue's."""
    if not isinstance(raw, dict):
        raise InvalidInput("事项数据须为对象", [field_error("", "须为对象")])
    departments = seed_departments() if departments is None else departments
    errors: list[dict] = []
    code = raw.get("code")
    if not isinstance(code, str) or not ITEM_CODE.match(code):
        errors.append(field_error("code", "事项编码须为大写字母、数字和连字符（3-50位）"))
    if raw.get("department") not in departments:
        errors.append(field_error("department", f"部门须为：{'、'.join(departments)}"))
    if raw.get("case_kind") not in CASE_KINDS:
        errors.append(field_error("case_kind", f"办件类型须为：{'、'.join(CASE_KINDS)}"))
    stages = raw.get("stages")
    if not isinstance(stages, list) or not stages or any(s not in STAGES for s in stages):
        errors.append(field_error("stages", f"审批环节须从以下选取：{'、'.join(STAGES)}"))
        stages = []
    elif stages[-1] != "decision" and raw.get("case_kind") != "escalated":
        errors.append(field_error("stages", "最后一个环节须为 decision（决定）"))
    joint = raw.get("joint_departments") or []
    if not isinstance(joint, list) or any(d not in departments for d in joint):
        errors.append(field_error("joint_departments", "会签部门须为已知部门"))
        joint = []
    higher = raw.get("higher_authority")
    if higher is not None and (not isinstance(higher, str) or not higher.strip()):
        errors.append(field_error("higher_authority", "须为非空文本或 null"))
        higher = None
    version = raw.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        errors.append(field_error("version", "版本号须为正整数"))
    licence = _licence(raw, errors)
    department = departments.get(raw.get("department")) or {}
    item = {
        "code": code, "name": _text(raw, "name", errors), "department": raw.get("department"),
        "department_name": department.get("name"),
        "category": _text(raw, "category", errors), "category_name": raw.get("category_name"),
        "case_kind": raw.get("case_kind"),
        **{name: _text(raw, name, errors) for name in PUBLIC_TEXTS},
        **{name: _text(raw, name, errors) for name in STANDARD_TEXTS},
        "fee_amount": _fee_amount(raw, errors),
        "materials": _materials(raw, errors),
        "statutory_days": _days(raw, "statutory_days", 1, errors),
        "promised_days": _days(raw, "promised_days", 0, errors),
        "stages": stages, "stage_limits": _stage_limits(raw, stages, errors), "licence": licence,
        "licence_action": _licence_action(raw, licence, errors),
        "joint_departments": joint, "higher_authority": higher, "version": version,
    }
    _kind_rules(item, errors)
    if errors:
        raise InvalidInput("事项数据有误", errors)
    return item


def new_version(current: dict, changes: dict, departments: dict | None = None) -> dict:
    """The next version of an item with `changes` applied (code and department fixed)."""
    fixed = [field_error(name, "不可修改") for name in FIXED_FIELDS
             if name in changes and changes[name] != current[name]]
    if fixed:
        raise InvalidInput("事项编码、部门和版本号不可修改", fixed)
    merged = {**current, **changes, "version": current["version"] + 1}
    return validate_item(merged, departments)


def changes_between(before: dict, after: dict) -> list[dict]:
    """What an edit changed, field by field (for the audit of versions)."""
    names = [name for name in after if name != "version"]
    return [{"field": name, "from": before.get(name), "to": after[name]}
            for name in names if before.get(name) != after[name]]


def needs_licence_number(item: dict) -> bool:
    """延续, 变更, 补办, 注销, 校验: the application names the licence (certificate_no)."""
    return item.get("licence_action") in NAMES_A_LICENCE


def snapshot(item: dict) -> dict:
    """What approval needs of the item, frozen into the accepted case."""
    licence = item.get("licence") or {}
    return {
        "case_kind": item["case_kind"], "promised_days": item["promised_days"],
        "statutory_days": item["statutory_days"], "stages": list(item["stages"]),
        "joint_departments": list(item["joint_departments"]), "higher_authority": item["higher_authority"],
        "licence_valid_years": licence.get("valid_years"),
        "licence_name": licence.get("name"), "licence_action": item.get("licence_action"),
        "department_name": item.get("department_name"), "stage_limits": dict(item.get("stage_limits") or {}),
    }


def material_names(item: dict) -> dict[str, str]:
    return {m["code"]: m["name"] for m in item["materials"]}
