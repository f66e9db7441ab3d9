"""Departments (部门) are data: their codes, names, windows and phones come from the catalogue seed
and are kept in intake's database, never as constants in code."""
import functools
import json
from pathlib import Path

from services.common.errors import InvalidInput, field_error

SEED_FILE = Path(__file__).with_name("seed_catalogue.json")
FIELDS = ("code", "name", "full_name", "window", "consult_phone", "complaint_phone")


@functools.cache
def _seeded() -> tuple:
    with SEED_FILE.open(encoding="utf-8") as f:
        return tuple(validate_department(raw) for raw in json.load(f)["departments"])


def seed_departments() -> dict[str, dict]:
    """The seed catalogue's departments by code (copies: callers may not change the cache)."""
    return {d["code"]: dict(d) for d in _seeded()}


def validate_department(raw) -> dict:
    if not isinstance(raw, dict):
        raise InvalidInput("部门数据须为对象", [field_error("", "须为对象")])
    errors = [field_error(name, "必填") for name in FIELDS
              if not isinstance(raw.get(name), str) or not raw[name].strip()]
    if errors:
        raise InvalidInput("部门数据有误", errors)
    return {name: raw[name].strip() for name in FIELDS}
