"""Case numbers: region-department-local date-sequence, at most 50 characters."""
import datetime as dt

import pytest

from services.intake.case_numbers import MAX_LENGTH, case_number, counter_key, local_date


def test_format_of_the_brief():
    assert case_number("411400", "health", dt.date(2026, 11, 23), 1) == "411400-HEALTH-20261123-00001"
    assert case_number("411400", "market", dt.date(2026, 1, 5), 12345) == "411400-MARKET-20260105-12345"


def test_sequence_beyond_five_digits_still_fits():
    number = case_number("411400", "health", dt.date(2026, 11, 23), 123456)
    assert number.endswith("-123456") and len(number) <= MAX_LENGTH


def test_counter_key_is_per_region_department_and_day():
    assert counter_key("411400", "health", dt.date(2026, 11, 23)) == "411400-HEALTH-20261123"
    next_day = counter_key("411400", "health", dt.date(2026, 11, 24))
    assert next_day != counter_key("411400", "health", dt.date(2026, 11, 23))


@pytest.mark.parametrize("region, department, sequence", [
    ("4114", "health", 1), ("41140A", "health", 1), ("411400", "health", 0), ("411400", "x" * 40, 1),
])
def test_bad_parts_are_refused(region, department, sequence):
    with pytest.raises(ValueError):
        case_number(region, department, dt.date(2026, 11, 23), sequence)


def test_local_date_is_shanghai():
    late_utc = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)   # 00:30 on the 24th in Shanghai
    assert local_date(late_utc) == dt.date(2026, 11, 24)
    assert local_date(dt.datetime(2026, 11, 23, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 11, 23)
