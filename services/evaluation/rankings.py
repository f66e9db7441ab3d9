"""Monthly 红旗窗口 (red-flag windows) and 服务标兵 (service stars), quarterly top 10.

The score is data the centre configures (the formula): a weighted sum of rates
(each 0..1) scaled to the weights' total, minus points per substantiated
complaint. A rate with nothing to measure is left out and the other weights
are scaled up. Only the eligible win: anyone the accountability ladder bars
(a person with a record this year, a unit criticised) and anyone with fewer
completed cases than the minimum is ranked but never flagged.
"""
import copy
import datetime as dt
import re

from services.common.errors import InvalidInput, field_error
from services.evaluation import accountability

RATES = ("on_time_rate", "early_rate", "satisfaction_rate", "rectification_rate", "complaint_closure_rate")
RATE_LABELS = {"on_time_rate": "按时办结率", "early_rate": "提前办结率", "satisfaction_rate": "满意率",
               "rectification_rate": "差评整改率", "complaint_closure_rate": "投诉办结率"}
DEFAULT_FORMULA = {
    "windows": {"weights": {"on_time_rate": 40, "satisfaction_rate": 30, "early_rate": 10,
                            "rectification_rate": 10, "complaint_closure_rate": 10},
                "complaint_penalty": 2, "min_completed": 1, "red_flags": 1},
    "staff": {"weights": {"on_time_rate": 40, "satisfaction_rate": 40, "early_rate": 20},
              "complaint_penalty": 5, "min_completed": 1, "service_stars": 3},
    "quarter_top": 10,
}
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def period_range(period) -> tuple[str, str, str]:
    """("monthly"|"quarterly", first day, last day) of `YYYY-MM` or `YYYY-Qn`."""
    text = period if isinstance(period, str) else ""
    if match := MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        first_month, last_month, kind = month, month, "monthly"
    elif match := QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first_month, last_month, kind = 3 * quarter - 2, 3 * quarter, "quarterly"
    else:
        raise InvalidInput("统计周期有误", [field_error("period", "统计周期须为 YYYY-MM（月）或 YYYY-Qn（季度）")])
    end = dt.date(year + last_month // 12, last_month % 12 + 1, 1) - dt.timedelta(days=1)
    return kind, dt.date(year, first_month, 1).isoformat(), end.isoformat()


def validate_formula(formula) -> dict:
    """A complete formula (defaults filled in), every bad field named at once."""
    if not isinstance(formula, dict):
        raise InvalidInput("评分公式有误", [field_error("formula", "须为对象")])
    result, errors = copy.deepcopy(DEFAULT_FORMULA), []
    for group, count_key in (("windows", "red_flags"), ("staff", "service_stars")):
        given = formula.get(group, {})
        if not isinstance(given, dict):
            errors.append(field_error(group, "须为对象"))
            continue
        unknown = set(given) - {"weights", "complaint_penalty", "min_completed", count_key}
        errors += [field_error(f"{group}.{name}", "不支持的字段") for name in sorted(unknown)]
        if "weights" in given:
            weights = given["weights"]
            if not isinstance(weights, dict) or not weights:
                errors.append(field_error(f"{group}.weights", f"须为非空对象，键为 {'、'.join(RATES)}"))
            else:
                for name, value in weights.items():
                    if name not in RATES:
                        errors.append(field_error(f"{group}.weights.{name}", f"须为 {'、'.join(RATES)} 之一"))
                    elif not _number(value) or value < 0 or value > 1000:
                        errors.append(field_error(f"{group}.weights.{name}", "权重须为 0 到 1000 之间的数"))
                if not errors and sum(weights.values()) <= 0:
                    errors.append(field_error(f"{group}.weights", "权重之和须大于 0"))
                result[group]["weights"] = dict(weights)
        for name, low, high, kind in (("complaint_penalty", 0, 100, "number"), ("min_completed", 0, 10000, "int"),
                                      (count_key, 0, 100, "int")):
            if name in given:
                value = given[name]
                ok = _number(value) if kind == "number" else isinstance(value, int) and not isinstance(value, bool)
                if not ok or not low <= value <= high:
                    noun = "数" if kind == "number" else "整数"
                    errors.append(field_error(f"{group}.{name}", f"须为 {low} 到 {high} 之间的{noun}"))
                else:
                    result[group][name] = value
    if "quarter_top" in formula:
        top = formula["quarter_top"]
        if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= 100:
            errors.append(field_error("quarter_top", "须为 1 到 100 之间的整数"))
        else:
            result["quarter_top"] = top
    unknown = set(formula) - {"windows", "staff", "quarter_top"}
    errors += [field_error(name, "不支持的字段") for name in sorted(unknown)]
    if errors:
        raise InvalidInput("评分公式有误", errors)
    return result


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def describe(group: dict) -> str:
    """The formula in words, shown with the ranking."""
    terms = " + ".join(f"{w}×{RATE_LABELS[name]}" for name, w in group["weights"].items())
    return f"得分 = {terms} − {group['complaint_penalty']}×属实投诉数（无数据的指标不计，其余权重按比例放大）"


def score(metrics: dict, group: dict) -> float | None:
    weights = group["weights"]
    present = {name: w for name, w in weights.items() if metrics.get(name) is not None}
    if not present or not sum(present.values()):
        return None
    scale = sum(weights.values()) / sum(present.values())
    value = scale * sum(w * metrics[name] for name, w in present.items())
    return round(value - group["complaint_penalty"] * metrics.get("complaints_substantiated", 0), 2)


def _ranked(rows: list[dict], group: dict, key: str, winners: int, flag: str) -> list[dict]:
    for row in rows:
        row["score"] = score(row["metrics"], group)
        row["qualified"] = row["metrics"].get("completed", 0) >= group["min_completed"]
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r[key]))
    won = 0
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row[flag] = bool(row["eligible"] and row["qualified"] and row["score"] is not None and won < winners)
        won += row[flag]
    return rows


def rank(kind: str, formula: dict, windows: list[dict], staff: list[dict],
         unit_records: dict, person_records: dict) -> dict:
    """windows: [{"department","metrics"}], staff: [{"username","department","metrics"}] → the ranking view."""
    quarterly = kind == "quarterly"
    for row in windows:
        row["records"] = unit_records.get(row["department"], 0)
        row["eligible"] = accountability.unit_eligible(row["records"])
    for row in staff:
        row["records"] = person_records.get(row["username"], 0)
        row["eligible"] = accountability.person_eligible(row["records"])
    top = formula["quarter_top"]
    flags = top if quarterly else formula["windows"]["red_flags"]
    stars = top if quarterly else formula["staff"]["service_stars"]
    return {
        "kind": kind,
        "formula": {**formula, "windows_text": describe(formula["windows"]), "staff_text": describe(formula["staff"])},
        "windows": _ranked(windows, formula["windows"], "department", flags, "red_flag"),
        "staff": _ranked(staff, formula["staff"], "username", stars, "service_star"),
    }
