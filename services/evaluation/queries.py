"""Read-side use cases of evaluation: metrics over a period, rankings, the ranking
formula, and the data of the monthly report. The store sums counters in the
database; these functions check the query and shape the answer."""
import datetime as dt
import re

from services.common.errors import Forbidden, InvalidInput, field_error
from services.common.localtime import local_today
from services.evaluation import accountability, counters, timing
from services.evaluation import metrics as metric_rules
from services.evaluation import rankings as ranking_rules
from services.evaluation.counters_store import counter_match

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FORMULA = "ranking_formula"
FORMULA_EDITORS = frozenset({"centre_admin", "supervisor"})


def check_choice(field: str, value, choices) -> None:
    if value is not None and value not in choices:
        raise InvalidInput("查询条件有误", [field_error(field, f"须为 {'、'.join(choices)} 之一")])


def year(value) -> int:
    if value is None:
        return local_today().year
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 2000 <= number <= 2100:
        raise InvalidInput("年份有误", [field_error("year", "年份须为 2000–2100 之间的整数")])
    return number


def period_dates(date_from, date_to, period) -> tuple[str | None, str | None]:
    errors = []
    if period is not None:
        _, first, last = ranking_rules.period_range(period)
        date_from, date_to = date_from or first, date_to or last
    for field, value in (("from", date_from), ("to", date_to)):
        if value is None:
            continue
        try:
            ok = isinstance(value, str) and DATE.match(value) and dt.date.fromisoformat(value)
        except ValueError:
            ok = False
        if not ok:
            errors.append(field_error(field, "日期格式须为 YYYY-MM-DD"))
    if not errors and date_from and date_to and date_from > date_to:
        errors.append(field_error("to", "结束日期不能早于开始日期"))
    if errors:
        raise InvalidInput("统计区间有误", errors)
    return date_from, date_to


def pending(store, department, today: dt.date) -> dict:
    buckets: dict[str, int] = {}
    for due, count in store.pending_by_due(department).items():
        if not due:
            continue
        bucket = metric_rules.pending_bucket_on(today, dt.date.fromisoformat(due), timing.remaining_working_days)
        buckets[bucket] = buckets.get(bucket, 0) + count
    return buckets


BREAKDOWNS = ("item_code",)
BREAKDOWN_FIELDS = ("received", "accepted", "completed")


def metrics(store, department=None, date_from=None, date_to=None, staff=None, item_code=None, period=None,
            by=None) -> dict:
    """The metrics of the filter; with `by="item_code"` also `by_item`: the volumes of each item
    (what the dashboard's chart of volumes by catalogue category adds up)."""
    check_choice("by", by, BREAKDOWNS)
    date_from, date_to = period_dates(date_from, date_to, period)
    match = counter_match(date_from, date_to, department, staff, item_code)
    rows = store.counter_sums(match)
    result = metric_rules.compose(rows[0] if rows else {}, store.days_histogram(match),
                                  pending(store, department, local_today()) if not (staff or item_code) else {})
    if by == "item_code":
        grouped = counter_match(date_from, date_to, department, staff, item_code, group_by="item_code")
        result["by_item"] = {row["_id"]: {name: int(row.get(name) or 0) for name in BREAKDOWN_FIELDS}
                             for row in store.counter_sums(grouped, "item_code")
                             if row["_id"] and row["_id"] != counters.NONE}
    return {**result, "department": department, "staff": staff, "item_code": item_code,
            "period": period, "from": date_from, "to": date_to}


def formula(store) -> dict:
    saved = store.setting(FORMULA)
    if not saved:
        return {**ranking_rules.DEFAULT_FORMULA, "version": 0, "updated_by": None, "updated_at": None}
    return {k: v for k, v in saved.items() if k != "_id"}


def set_formula(store, given, actor: dict, now: dt.datetime) -> dict:
    if (actor or {}).get("role") not in FORMULA_EDITORS:
        raise Forbidden("只有中心管理员或督查人员可以修改评分公式")
    checked = ranking_rules.validate_formula(given)
    current = formula(store)
    saved = {**checked, "version": current["version"] + 1, "updated_by": actor.get("username"),
             "updated_at": now.isoformat()}
    store.save_setting(FORMULA, saved)
    return saved


def _rows(store, match: dict, key: str) -> list[dict]:
    return [{key: row["_id"], "metrics": metric_rules.compose(row)} for row in store.counter_sums(match, key)
            if row["_id"]]


def rankings(store, period) -> dict:
    kind, first, last = ranking_rules.period_range(period)
    windows = _rows(store, counter_match(first, last), "department")
    staff = [{"username": row.pop("staff"), **row}
             for row in _rows(store, counter_match(first, last, group_by="staff"), "staff")]
    people, units = store.record_counts(int(first[:4]))
    person_records = {p["username"]: p["records"] for p in people}
    unit_records = {u["department"]: u["records"] for u in units}
    ranked = ranking_rules.rank(kind, formula(store), windows, staff,
                                unit_records, person_records)
    for section in ("windows", "staff"):
        for row in ranked[section]:
            m = row.pop("metrics")
            row["figures"] = {name: m[name] for name in ("completed", "on_time_rate", "early_rate",
                                                         "satisfaction_rate", "rectification_rate",
                                                         "complaint_closure_rate", "complaints_substantiated")}
    return {"period": period, "from": first, "to": last, **ranked}


def report_data(store, period, department=None) -> dict:
    kind, first, last = ranking_rules.period_range(period)
    if kind != "monthly":
        raise InvalidInput("统计周期有误", [field_error("period", "月报的统计周期须为 YYYY-MM")])
    summary = metrics(store, department, first, last)
    by_department = _rows(store, counter_match(first, last, department), "department")
    by_item = _rows(store, counter_match(first, last, department, group_by="item_code"), "item_code")
    people, units = store.record_counts(int(first[:4]), department)
    return {
        "period": period, "from": first, "to": last, "department": department, "metrics": summary,
        "by_department": by_department, "by_item": by_item, "rankings": rankings(store, period),
        "accountability": accountability.summary(int(first[:4]), people, units),
        "generated_on": local_today().isoformat(),
    }
