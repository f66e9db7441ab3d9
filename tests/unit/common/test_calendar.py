"""OfficialCalendar against the real bundled data (chinese_calendar) and admin-entered years."""
import datetime as dt

import chinese_calendar
import pytest

from services.common.calendar import OfficialCalendar, bundled_has_year, validate_year, year_view
from services.common.errors import InvalidInput

D = dt.date


def bundled_dates(kind, year):
    return sorted(d for d in getattr(chinese_calendar, kind) if d.year == year)


def test_bundled_data_covers_2026_not_2027():
    assert bundled_has_year(2026) and not bundled_has_year(2027)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


def test_every_bundled_day_answers_as_chinese_calendar_does():
    # The calendar answers from chinese_calendar's tables directly (its is_workday is slow); same answers.
    calendar, day = OfficialCalendar(), D(2004, 1, 1)
    while bundled_has_year(day.year):
        assert calendar.is_working_day(day) is chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
    assert day == D(2027, 1, 1)


def test_2026_holidays_are_not_working_days_and_make_up_days_are():
    calendar = OfficialCalendar()
    holidays, workdays = bundled_dates("holidays", 2026), bundled_dates("workdays", 2026)
    assert holidays and workdays
    assert all(not calendar.is_working_day(d) for d in holidays)
    assert all(calendar.is_working_day(d) for d in workdays)
    assert not calendar.is_estimated(D(2026, 10, 1))


def test_national_day_2026_follows_the_bundled_data():
    calendar = OfficialCalendar()
    golden_week = [D(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)]
    for day in golden_week:
        assert calendar.is_working_day(day) is chinese_calendar.is_workday(day) is False
    make_up = [d for d in bundled_dates("workdays", 2026) if d.month in (9, 10)]
    assert make_up and all(d.weekday() >= 5 for d in make_up)  # 调休: weekend days worked
    assert all(calendar.is_working_day(d) for d in make_up)


def test_spring_festival_2026_follows_the_bundled_data():
    calendar = OfficialCalendar()
    for day in (D(2026, 2, 1) + dt.timedelta(days=i) for i in range(40)):
        assert calendar.is_working_day(day) is chinese_calendar.is_workday(day)
    assert any(not chinese_calendar.is_workday(d) and d.weekday() < 5 for d in bundled_dates("holidays", 2026)
               if d.month == 2)


def test_a_year_without_data_is_weekdays_only_and_estimated():
    calendar = OfficialCalendar()
    assert not calendar.has_data(2027)
    assert calendar.is_estimated(D(2027, 10, 1))
    assert calendar.is_working_day(D(2027, 10, 1))  # a Friday: weekdays only
    assert not calendar.is_working_day(D(2027, 10, 2))  # Saturday


def test_admin_year_fills_a_missing_year():
    calendar = OfficialCalendar({2027: {"holidays": ["2027-10-01", "2027-10-04"], "workdays": ["2027-10-09"]}})
    assert calendar.has_data(2027) and not calendar.is_estimated(D(2027, 3, 1))
    assert not calendar.is_working_day(D(2027, 10, 1))
    assert not calendar.is_working_day(D(2027, 10, 4))
    assert calendar.is_working_day(D(2027, 10, 9))  # Saturday worked
    assert calendar.is_working_day(D(2027, 10, 5))
    assert not calendar.is_working_day(D(2027, 10, 10))


def test_admin_entry_overrides_bundled_dates():
    holiday = bundled_dates("holidays", 2026)[0]
    calendar = OfficialCalendar({2026: {"holidays": [D(2026, 3, 2)], "workdays": [holiday]}})
    assert calendar.is_working_day(holiday)
    assert not calendar.is_working_day(D(2026, 3, 2))
    assert calendar.is_working_day(D(2026, 3, 3)) is chinese_calendar.is_workday(D(2026, 3, 3))


def test_validate_year_parses_and_sorts():
    entry = validate_year(2027, ["2027-10-02", "2027-10-01", "2027-10-01"], [D(2027, 9, 26)])
    assert entry == {"holidays": [D(2027, 10, 1), D(2027, 10, 2)], "workdays": [D(2027, 9, 26)]}


def test_validate_year_names_every_bad_field():
    with pytest.raises(InvalidInput) as caught:
        validate_year(2027, ["2027-13-01", "2028-01-01", "2027-05-01"], ["2027-05-01", "x"])
    fields = [e["field"] for e in caught.value.errors]
    assert fields == ["holidays[0]", "holidays[1]", "workdays[1]", "workdays[0]"]


def test_validate_year_refuses_bad_year_and_lists():
    with pytest.raises(InvalidInput) as caught:
        validate_year("2027", "2027-01-01", None)
    assert [e["field"] for e in caught.value.errors] == ["year", "holidays", "workdays"]


def test_year_view_sources():
    assert year_view(2026)["source"] == "bundled"
    assert "2026-10-01" in year_view(2026)["holidays"]
    assert year_view(2027) == {"year": 2027, "source": "weekdays", "estimated": True, "holidays": [], "workdays": []}
    admin = year_view(2027, {"holidays": ["2027-01-01"], "workdays": [], "updated_by": "admin"})
    assert admin["source"] == "admin" and not admin["estimated"] and admin["holidays"] == ["2027-01-01"]
