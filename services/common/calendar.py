"""The official calendar (法定节假日与调休): which dates are working days (工作日).

Bundled data comes from the `chinese_calendar` package (2004–2026). Admins enter
later years as the State Council publishes them; an admin entry overrides the
bundled data date by date. A year with no data at all falls back to weekdays
and every answer about it is flagged as estimated.
"""
import datetime as dt
from collections.abc import Iterable, Mapping

import chinese_calendar

from services.common.errors import InvalidInput, field_error

MIN_YEAR, MAX_YEAR = 2000, 2100


def parse_date(value) -> dt.date:
    """A date from a `date` or a `YYYY-MM-DD` string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# The years chinese_calendar covers, computed once: its own is_workday scans every holiday for the
# range on each call, which made counting working days the costliest step of approval's scans.
_BUNDLED_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


def bundled_has_year(year: int) -> bool:
    return year in _BUNDLED_YEARS


def bundled_is_workday(day: dt.date) -> bool:
    """chinese_calendar.is_workday for a covered year, without its per-call range check."""
    return day in chinese_calendar.workdays or (day.weekday() < 5 and day not in chinese_calendar.holidays)


def bundled_year(year: int) -> dict:
    """The bundled holidays and make-up workdays of a year (empty if not covered)."""
    return {
        "holidays": sorted(d for d in chinese_calendar.holidays if d.year == year),
        "workdays": sorted(d for d in chinese_calendar.workdays if d.year == year),
    }


def validate_year(year, holidays, workdays) -> dict:
    """Check an admin's year entry; returns {"holidays": [date], "workdays": [date]}.

    Every bad field is reported at once (InvalidInput)."""
    errors = []
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        errors.append(field_error("year", f"年份须为 {MIN_YEAR}–{MAX_YEAR} 之间的整数"))
        year = None
    parsed = {}
    for name, values in (("holidays", holidays), ("workdays", workdays)):
        parsed[name] = []
        if not isinstance(values, list | tuple):
            errors.append(field_error(name, "须为日期列表"))
            continue
        for index, value in enumerate(values):
            try:
                day = parse_date(value)
            except (TypeError, ValueError):
                errors.append(field_error(f"{name}[{index}]", "日期格式须为 YYYY-MM-DD"))
                continue
            if year is not None and day.year != year:
                errors.append(field_error(f"{name}[{index}]", f"日期不在 {year} 年内"))
                continue
            parsed[name].append(day)
    for index, day in enumerate(parsed["workdays"]):
        if day in parsed["holidays"]:
            errors.append(field_error(f"workdays[{index}]", "同一日期不能既是节假日又是调休工作日"))
    if errors:
        raise InvalidInput("节假日数据有误", errors)
    return {"holidays": sorted(set(parsed["holidays"])), "workdays": sorted(set(parsed["workdays"]))}


class OfficialCalendar:
    """The official Chinese calendar: bundled data plus admin-entered years."""

    def __init__(self, admin_years: Mapping[int, Mapping[str, Iterable]] | None = None):
        self._holidays: set[dt.date] = set()
        self._workdays: set[dt.date] = set()
        self._admin_years: set[int] = set()
        for year, entry in (admin_years or {}).items():
            self._admin_years.add(int(year))
            self._holidays.update(parse_date(d) for d in entry.get("holidays", ()))
            self._workdays.update(parse_date(d) for d in entry.get("workdays", ()))

    def has_data(self, year: int) -> bool:
        """True when the year's holidays are known (bundled or entered by an admin)."""
        return year in self._admin_years or bundled_has_year(year)

    def is_estimated(self, day: dt.date) -> bool:
        return not self.has_data(day.year)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        if bundled_has_year(day.year):
            return bundled_is_workday(day)
        return day.weekday() < 5


def year_view(year: int, admin_entry: Mapping | None = None) -> dict:
    """One year's calendar as admins see it: where the data comes from, and its dates."""
    if admin_entry:
        return {"year": year, "source": "admin", "estimated": False,
                "holidays": [parse_date(d).isoformat() for d in admin_entry.get("holidays", ())],
                "workdays": [parse_date(d).isoformat() for d in admin_entry.get("workdays", ())],
                "updated_by": admin_entry.get("updated_by"), "updated_at": admin_entry.get("updated_at")}
    if bundled_has_year(year):
        data = bundled_year(year)
        return {"year": year, "source": "bundled", "estimated": False,
                "holidays": [d.isoformat() for d in data["holidays"]],
                "workdays": [d.isoformat() for d in data["workdays"]]}
    return {"year": year, "source": "weekdays", "estimated": True, "holidays": [], "workdays": []}
