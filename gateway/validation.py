"""Request bodies: parse JSON (400 if malformed) and validate against a JSON
schema, naming every bad field at once (422) in the platform's field-path form:
`applicant.id_number`, `materials[2].code`."""
import json
import re

from jsonschema import Draft202012Validator

from gateway.errors import MalformedJson, PayloadTooLarge
from services.common.errors import InvalidInput, field_error

TYPE_NAMES = {"string": "字符串", "integer": "整数", "number": "数字", "object": "对象", "array": "数组",
              "boolean": "布尔值", "null": "空值"}


MAX_BODY_BYTES = 1_000_000   # gateway settings may lower it (BodyLimit middleware)
MAX_JSON_DEPTH = 32
MAX_STRING_CHARS = 20_000
# Characters no legitimate text needs: C0 controls except tab/newline, bidi overrides and isolates.
FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
SURROGATE = re.compile(r"[\ud800-\udfff]")
# Invisible characters: a value made only of these (and spaces) is empty.
INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e\u3000]*")


def read_json(req, max_bytes: int = MAX_BODY_BYTES) -> dict:
    """The body as a JSON object; 413 when too large, 400 when malformed or nested too deep,
    422 naming every string field holding characters no text needs (lone surrogates, NUL,
    right-to-left overrides) or only invisible ones."""
    raw = req.bounded_stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"请求体不能超过 {max_bytes} 字节")
    if not raw:
        raise MalformedJson("请求体为空：需要一个 JSON 对象")
    if _nesting(raw) > MAX_JSON_DEPTH:
        raise MalformedJson(f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedJson(f"请求体不是合法的 JSON：{str(exc)[:200]}") from None
    if not isinstance(body, dict):
        raise MalformedJson("请求体必须是一个 JSON 对象")
    errors = text_errors(body)
    if errors:
        raise InvalidInput(f"有 {len(errors)} 个字段含有不允许的字符", errors)
    return body


def _nesting(raw: bytes) -> int:
    """The deepest bracket nesting, outside strings, without parsing (so no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _text_problem(value: str) -> str | None:
    if SURROGATE.search(value):
        return "含有无效的 Unicode 字符（孤立代理项）"
    if FORBIDDEN_CHARS.search(value):
        return "含有不允许的控制字符或文字方向控制符"
    if len(value) > MAX_STRING_CHARS:
        return f"长度不能超过 {MAX_STRING_CHARS} 个字符"
    if value and INVISIBLE.fullmatch(value):
        return "不能只包含空白或不可见字符"
    return None


def text_errors(value, path: str = "") -> list[dict]:
    """Every string (and object key) in a parsed body that no text field may hold, by field path."""
    errors, stack = [], [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = _text_problem(item)
            if problem:
                errors.append(field_error(where or "(body)", problem))
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = _join(where, str(key)) if not SURROGATE.search(str(key)) else _join(where, "?")
                if SURROGATE.search(key) or FORBIDDEN_CHARS.search(key):
                    errors.append(field_error(child_path, "字段名含有无效字符"))
                    continue
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", child) for index, child in enumerate(item))
    return sorted(errors, key=lambda e: e["field"])


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
