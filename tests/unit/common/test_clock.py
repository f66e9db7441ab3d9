"""WorkingDayClock (限时办结) on the real 2026 calendar: expectations come from chinese_calendar itself."""
import datetime as dt

import chinese_calendar

from services.common.calendar import OfficialCalendar
from services.common.clock import Pause, WorkingDayClock

D = dt.date
DAY = dt.timedelta(days=1)


def reference_deadline(start, n, skip=()):
    """Independent reference: the nth chinese_calendar workday after start, skipping `skip`."""
    day, counted = start, 0
    while counted < n:
        day += DAY
        if chinese_calendar.is_workday(day) and day not in skip:
            counted += 1
    return day


def clock(admin_years=None):
    return WorkingDayClock(OfficialCalendar(admin_years))


def test_day_of_acceptance_is_not_counted():
    monday = D(2026, 3, 2)
    assert monday.weekday() == 0 and chinese_calendar.is_workday(monday + DAY)
    assert clock().deadline(monday, 1).value == monday + DAY


def test_zero_days_is_the_same_day():
    assert clock().deadline(D(2026, 3, 2), 0).value == D(2026, 3, 2)


def test_acceptance_on_a_weekend_counts_from_the_next_working_day():
    saturday = D(2026, 3, 7)
    assert clock().deadline(saturday, 1).value == reference_deadline(saturday, 1) == D(2026, 3, 9)


def test_national_day_2026_holidays_skipped_and_make_up_days_counted():
    start = D(2026, 9, 30)
    golden_week = {D(2026, 10, 1) + DAY * i for i in range(7)}
    assert not any(chinese_calendar.is_workday(d) for d in golden_week)
    make_up = sorted(d for d in chinese_calendar.workdays if D(2026, 10, 1) <= d <= D(2026, 10, 31))
    assert make_up  # 调休: a weekend day in October 2026 is worked
    for n in (1, 2, 3, 5, 10, 20):
        result = clock().deadline(start, n)
        assert result.value == reference_deadline(start, n)
        assert result.value not in golden_week and not result.estimated
    assert clock().deadline(start, 1).value == D(2026, 10, 8)
    # the Saturday make-up day is counted like any working day
    three = clock().deadline(start, 3).value
    assert three == make_up[0] == reference_deadline(start, 3)


def test_spring_festival_2026():
    start = D(2026, 2, 12)
    festival = [d for d in chinese_calendar.holidays if D(2026, 2, 1) <= d <= D(2026, 2, 28)]
    assert len(festival) >= 7
    for n in range(1, 25):
        assert clock().deadline(start, n).value == reference_deadline(start, n)
    # 20 working days from 12 Feb are pushed past the festival by its weekday holidays
    naive = start + DAY * 28
    assert clock().deadline(start, 20).value > naive


def test_twenty_working_days_statutory_limit_across_the_year():
    for start in (D(2026, 1, 5), D(2026, 4, 1), D(2026, 4, 30), D(2026, 6, 18), D(2026, 9, 24)):
        assert clock().deadline(start, 20).value == reference_deadline(start, 20)


def test_working_days_used_matches_the_deadline():
    start = D(2026, 9, 28)
    end = clock().deadline(start, 7).value
    assert clock().working_days_used(start, end).value == 7
    assert clock().working_days_used(start, start).value == 0


def test_a_pause_removes_its_working_days_and_pushes_the_deadline_out():
    start = D(2026, 3, 2)
    pause = Pause(D(2026, 3, 4), D(2026, 3, 9))  # Wed..Fri not counted; Monday 9th counts again
    skipped = {D(2026, 3, 4), D(2026, 3, 5), D(2026, 3, 6)}
    assert clock().deadline(start, 10, [pause]).value == reference_deadline(start, 10, skipped)
    assert clock().deadline(start, 10, [pause]).value > clock().deadline(start, 10).value
    assert clock().working_days_used(start, D(2026, 3, 9), [pause]).value == 2  # 3rd, 9th


def test_pause_and_resume_the_same_day_changes_nothing():
    start = D(2026, 3, 2)
    assert clock().deadline(start, 10, [Pause(D(2026, 3, 4), D(2026, 3, 4))]) == clock().deadline(start, 10)


def test_an_open_pause_counts_as_resumed_on_as_of_for_deadlines_and_stops_the_used_count():
    start = D(2026, 3, 2)
    open_pause = Pause(D(2026, 3, 4))
    as_of = D(2026, 3, 9)
    resumed = Pause(D(2026, 3, 4), as_of)
    assert clock().deadline(start, 10, [open_pause], as_of) == clock().deadline(start, 10, [resumed])
    assert clock().working_days_used(start, D(2026, 3, 20), [open_pause]).value == 1


def test_a_deadline_into_a_year_without_data_is_estimated():
    start = D(2026, 12, 15)
    result = clock().deadline(start, 20)
    assert result.value.year == 2027 and result.estimated
    assert not clock().deadline(start, 5).estimated  # stays in 2026
    assert clock().working_days_used(start, D(2027, 1, 5)).estimated


def test_admin_entered_2027_removes_the_flag_and_moves_the_deadline():
    start = D(2026, 12, 15)
    weekdays_only = clock().deadline(start, 20).value
    admin = {2027: {"holidays": ["2027-01-01", "2027-01-04", "2027-01-05"], "workdays": []}}
    result = clock(admin).deadline(start, 20)
    assert not result.estimated
    assert result.value > weekdays_only


def test_deadlines_dict_for_the_case_view():
    result = clock().deadlines(D(2026, 9, 30), 5, 20)
    assert result == {
        "promised": reference_deadline(D(2026, 9, 30), 5).isoformat(),
        "statutory": reference_deadline(D(2026, 9, 30), 20).isoformat(),
        "estimated": False,
    }
    assert clock().deadlines(D(2026, 12, 1), 5, 30)["estimated"] is True


def test_cached_clock_reads_years_at_most_once_per_ttl_and_rebuilds_only_on_change():
    from services.common.clock import CachedClock
    years = {2027: {"holidays": ["2027-01-04"], "workdays": [], "updated_at": "a"}}
    reads, now = [], [0.0]

    def load():
        reads.append(now[0])
        return {y: dict(e) for y, e in years.items()}

    cache = CachedClock(load, ttl=1.0, now=lambda: now[0])
    first = cache.clock()
    assert not first.calendar.is_working_day(dt.date(2027, 1, 4))
    now[0] = 0.5
    assert cache.clock() is first and len(reads) == 1          # within the ttl: no read
    now[0] = 1.5
    assert cache.clock() is first and len(reads) == 2          # read again, unchanged: same clock
    years[2027] = {"holidays": [], "workdays": [], "updated_at": "b"}
    now[0] = 2.6
    changed = cache.clock()
    assert changed is not first and changed.calendar.is_working_day(dt.date(2027, 1, 4))
    years[2027] = {"holidays": ["2027-01-04"], "workdays": [], "updated_at": "c"}
    cache.invalidate()                                           # this process saved a year
    assert not cache.clock().calendar.is_working_day(dt.date(2027, 1, 4)) and len(reads) == 4
