"""Case numbers: region-department-local date-sequence, at most 50 characters."""
import datetime as dt

import pytest

from services.intake.case_numbers import MAX_LENGTH, SequenceBlocks, case_number, counter_key, local_date


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


class Counter:
    """The stored counters: reserve raises one by `size` and returns its new value (as the store does)."""

    def __init__(self):
        self.values, self.writes = {}, 0

    def reserve(self, key, size):
        self.writes += 1
        self.values[key] = self.values.get(key, 0) + size
        return self.values[key]


def test_blocks_hand_out_rising_numbers_with_one_counter_write_per_block():
    counter = Counter()
    blocks = SequenceBlocks(counter.reserve, size=10)
    assert [blocks.next("K") for _ in range(25)] == list(range(1, 26))
    assert counter.writes == 3 and counter.values["K"] == 30
    assert blocks.next("OTHER") == 1                      # each key its own sequence


def test_two_processes_never_hand_out_one_number_and_a_restart_leaves_a_gap():
    counter = Counter()
    first, second = SequenceBlocks(counter.reserve, size=5), SequenceBlocks(counter.reserve, size=5)
    handed = [first.next("K"), second.next("K"), first.next("K"), second.next("K")]
    assert handed == [1, 6, 2, 7]
    restarted = SequenceBlocks(counter.reserve, size=5)   # first died holding 3..5
    assert restarted.next("K") == 11
    more = [b.next("K") for b in (first, second, restarted) for _ in range(7)]
    assert len(set(more + handed + [11])) == len(more) + len(handed) + 1


def test_a_dropped_block_reserves_afresh_above_a_moved_counter():
    counter = Counter()
    blocks = SequenceBlocks(counter.reserve, size=10)
    assert blocks.next("K") == 1
    counter.values["K"] = 40                               # moved past numbers found taken
    blocks.drop("K")
    assert blocks.next("K") == 41


def test_block_size_must_be_positive():
    with pytest.raises(ValueError):
        SequenceBlocks(Counter().reserve, size=0)
