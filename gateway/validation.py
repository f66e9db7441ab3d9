"""Request bodies: parse JSON (400 if malformed) and validate against a JSON
schema, naming every bad field at once (422) in the platform's field-path form:
`applicant.id_number`, `materials[2].code`."""
import json

from jsonschema import Draft202012Validator

from gateway.errors import MalformedJson
from services.common.errors import InvalidInput, field_error

TYPE_NAMES = {"string": "字符串", "integer": "整数", "number": "数字", "object": "对象", "array": "数组",
              "boolean": "布尔值", "null": "空值"}


def read_json(req) -> dict:
    raw = req.bounded_stream.read()
    if not raw:
        raise MalformedJson("请求体为空：需要一个 JSON 对象")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson(f"请求体不是合法的 JSON：{exc}") from None
    if not isinstance(body, dict):
        raise MalformedJson("请求体必须是一个 JSON 对象")
    return body


def field_path(parts) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _join(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _message(error) -> str:
    kind, expected = error.validator, error.validator_value
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return "类型应为" + "或".join(TYPE_NAMES.get(n, n) for n in names)
    if kind == "enum":
        return "取值应为：" + "、".join(str(v) for v in expected)
    if kind == "const":
        return f"取值应为 {expected}"
    if kind == "minLength":
        return "不能为空" if expected == 1 else f"长度至少 {expected} 个字符"
    if kind == "maxLength":
        return f"长度不能超过 {expected} 个字符"
    if kind == "pattern":
        return error.schema.get("x-message", "格式不正确")
    if kind == "format":
        return error.schema.get("x-message", f"格式不正确（应为 {expected}）")
    if kind == "minimum":
        return f"不能小于 {expected}"
    if kind == "maximum":
        return f"不能大于 {expected}"
    if kind == "minItems":
        return f"至少需要 {expected} 项"
    if kind == "maxItems":
        return f"最多 {expected} 项"
    return error.schema.get("x-message", "取值无效")


def schema_errors(body: dict, schema: dict) -> list[dict]:
    errors = []
    for error in Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(body):
        parent = field_path(error.absolute_path)
        if error.validator == "required":
            present = error.instance if isinstance(error.instance, dict) else {}
            errors += [field_error(_join(parent, name), "必填")
                       for name in error.validator_value if name not in present]
        elif error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            errors += [field_error(_join(parent, name), "不支持的字段")
                       for name in error.instance if name not in allowed]
        else:
            errors.append(field_error(parent or "(body)", _message(error)))
    unique = {(e["field"], e["message"]): e for e in errors}
    return sorted(unique.values(), key=lambda e: e["field"])


def validate(body: dict, schema: dict, extra_errors: list[dict] | None = None) -> dict:
    errors = schema_errors(body, schema) + list(extra_errors or [])
    if errors:
        raise InvalidInput(f"有 {len(errors)} 个字段不符合要求", errors)
    return body


def query_int(req, name: str, default: int, minimum: int = 0, maximum: int | None = None) -> tuple[int, list]:
    """An integer query parameter, with the field error (if any) instead of raising."""
    raw = req.get_param(name)
    if raw is None:
        return default, []
    try:
        value = int(raw)
    except ValueError:
        return default, [field_error(name, "应为整数")]
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"{minimum} 到 {maximum}" if maximum is not None else f"不小于 {minimum}"
        return default, [field_error(name, f"取值应为 {bound}")]
    return value, []


def page(req, max_limit: int = 200, default_limit: int = 50) -> tuple[int, int]:
    """`?limit=&offset=` validated together."""
    limit, errors = query_int(req, "limit", default_limit, 1, max_limit)
    offset, more = query_int(req, "offset", 0, 0)
    if errors + more:
        raise InvalidInput("分页参数无效", errors + more)
    return limit, offset
