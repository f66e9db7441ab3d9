"""Metrics composed from counters: the counters each document contributes, summed
here as the database would, then composed."""
import datetime as dt

import pytest

from services.evaluation import counters, timing
from services.evaluation.metrics import compose, pending_bucket, pending_bucket_on, percentile, ratio


def total(facts=(), ratings=(), complaints=()):
    """Sum the contributions like the $group stage does: scalars, levels and the days histogram."""
    sums, histogram = {}, {}
    for kind, docs in ((counters.FACT, facts), (counters.RATING, ratings), (counters.COMPLAINT, complaints)):
        for doc in docs:
            for key, name, value in counters.contributions(kind, doc):
                if not key.startswith("day|"):
                    continue  # the monthly roll-ups repeat the day counters
                if name.startswith("wd."):
                    histogram[int(name[3:])] = histogram.get(int(name[3:]), 0) + value
                else:
                    sums[name] = sums.get(name, 0) + value
    return compose(sums, histogram)


def case(**facts):
    return {"department": "health", "item_code": "I1", "received_on": "2025-03-03", **facts}


def rating(level, **extra):
    return {"level": level, "rated_on": "2025-03-20", "department": "health", **extra}


def test_empty_selection_has_counts_of_zero_and_rates_of_none():
    result = total()
    assert (result["received"], result["completed"], result["complaints"]) == (0, 0, 0)
    assert result["on_time_rate"] is result["early_rate"] is result["satisfaction_rate"] is None
    assert result["avg_working_days"] is result["p90_working_days"] is None
    assert result["ratings"] == {"count": 0, "by_level": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0}}
    assert result["pending"] == {"overdue": 0, "due": 0, "soon": 0, "later": 0}


def test_counts_and_rates():
    facts = [
        case(accepted_on="2025-03-03", decided_on="2025-03-10", on_time=True, early=True, used_working_days=5),
        case(accepted_on="2025-03-03", decided_on="2025-03-30", on_time=False, early=False, used_working_days=22),
        case(accepted_on="2025-03-04", decided_on="2025-03-20", on_time=True, early=False, used_working_days=12),
        case(accepted_on="2025-03-05"),  # still in review
        case(refused=True),
        case(),  # received, awaiting supplement
    ]
    result = total(facts, complaints=[{"created_on": "2025-03-05", "department": "health"}] * 2)
    assert (result["received"], result["accepted"], result["refused"], result["completed"]) == (6, 4, 1, 3)
    assert result["on_time_rate"] == 0.6667
    assert result["early_rate"] == 0.3333
    assert result["avg_working_days"] == 13.0
    assert result["p90_working_days"] == 22
    assert result["complaints"] == 2 and result["complaint_closure_rate"] == 0.0


def test_unknown_working_days_are_left_out_of_the_average():
    facts = [case(decided_on="d", used_working_days=3), case(decided_on="d", used_working_days=None),
             case(decided_on="d", used_working_days=True)]
    assert total(facts)["avg_working_days"] == 3.0
    assert total([case(decided_on="d")])["avg_working_days"] is None


def test_on_time_must_be_true_not_truthy():
    assert total([case(decided_on="d", on_time="yes")])["on_time_rate"] == 0.0


def test_ratings_by_level_satisfaction_and_follow_ups():
    closed = {"status": "closed", "outcome": "rectified", "on_time": True}
    levels = [rating(5), rating(5), rating(4), rating(3), rating(2, follow_up=closed),
              rating(1, follow_up={"status": "open"}), rating(1, follow_up={**closed, "outcome": "dismissed"})]
    result = total(ratings=levels)
    assert result["ratings"] == {"count": 7, "by_level": {"5": 2, "4": 1, "3": 1, "2": 1, "1": 2}}
    assert result["satisfaction_rate"] == round(4 / 7, 4)
    assert result["bad_ratings"] == 3
    assert result["follow_ups"] == {"opened": 3, "closed": 2, "rectified": 1, "dismissed": 1, "closed_on_time": 2}
    assert result["rectification_rate"] == 0.3333


def test_complaint_closure_and_substantiated():
    complaints = [{"created_on": "2025-03-05", "status": "closed", "substantiated": True},
                  {"created_on": "2025-03-06", "status": "replied"}]
    result = total(complaints=complaints)
    assert (result["complaints"], result["complaints_closed"], result["complaints_substantiated"]) == (2, 1, 1)
    assert result["complaint_closure_rate"] == 0.5


@pytest.mark.parametrize("part,whole,expected", [(0, 0, None), (1, 3, 0.3333), (2, 2, 1.0), (0, 5, 0.0)])
def test_ratio(part, whole, expected):
    assert ratio(part, whole) == expected


def test_percentile_is_nearest_rank():
    assert percentile({}) is None
    assert percentile({1: 9, 30: 1}) == 1  # the 9th of 10 is 1
    assert percentile({1: 8, 30: 2}) == 30
    days = [3, 7, 7, 12, 20]
    assert percentile({d: days.count(d) for d in days}) == sorted(days)[4]


@pytest.mark.parametrize("remaining,bucket", [(-3, "overdue"), (0, "due"), (1, "due"), (5, "soon"), (6, "later")])
def test_pending_buckets(remaining, bucket):
    assert pending_bucket(remaining) == bucket


def test_pending_buckets_count_working_days_only_near_today():
    today, counted = dt.date(2025, 3, 10), []

    def remaining(start, due):
        counted.append(due)
        return timing.remaining_working_days(start, due)

    assert pending_bucket_on(today, dt.date(2024, 1, 2), remaining) == "overdue"
    assert pending_bucket_on(today, dt.date(2025, 3, 7), remaining) == "overdue"
    assert pending_bucket_on(today, dt.date(2026, 1, 2), remaining) == "later"
    assert counted == []  # past and far dates need no counting
    assert pending_bucket_on(today, today, remaining) == "due"
    assert pending_bucket_on(today, dt.date(2025, 3, 14), remaining) == "soon"  # 4 working days left
    assert pending_bucket_on(today, dt.date(2025, 4, 9), remaining) == "later"
    assert len(counted) == 3
    for due in (today + dt.timedelta(days=n) for n in range(0, 60, 3)):  # the same answer as counting every day
        assert pending_bucket_on(today, due, remaining) == pending_bucket(timing.remaining_working_days(today, due))


def test_counters_follow_a_document_that_changes():
    before = counters.contributions(counters.COMPLAINT, {"created_on": "2025-03-05", "department": "health"})
    after = counters.contributions(counters.COMPLAINT, {"created_on": "2025-03-05", "department": "health",
                                                        "against": "lisi", "status": "closed"})
    delta = counters.difference(before, after)
    assert delta == {"day|2025-03-05|health|-|-": {"complaints": -1},
                     "day|2025-03-05|health|-|lisi": {"complaints": 1, "complaints_closed": 1},
                     "month_department|2025-03|health|*|*": {"complaints_closed": 1},
                     "month_staff|2025-03|health|*|-": {"complaints": -1},
                     "month_staff|2025-03|health|*|lisi": {"complaints": 1, "complaints_closed": 1},
                     "month_item|2025-03|health|-|*": {"complaints_closed": 1}}
    assert counters.difference(after, after) == {}
    assert counters.dimensions("day|2025-03-05|health|-|lisi") == {
        "grain": "day", "day": "2025-03-05", "month": "2025-03", "department": "health", "item_code": None,
        "staff": "lisi"}
    assert counters.dimensions("month_staff|2025-03|health|*|lisi")["day"] is None


def test_received_and_decided_go_to_their_own_staff_and_days():
    fact = case(received_by="clerk1", accepted_on="2025-03-03", decided_on="2025-03-12", decided_by="chief1",
                used_working_days=7, on_time=True, result="approved")
    by_counter = {}
    for key, name, _ in counters.contributions(counters.FACT, fact):
        by_counter.setdefault(key, set()).add(name)
    assert by_counter["day|2025-03-03|health|I1|clerk1"] == {"received", "accepted"}
    assert by_counter["day|2025-03-12|health|I1|chief1"] >= {"completed", "approved", "on_time", "days_sum", "wd.7"}
    assert by_counter["month_department|2025-03|health|*|*"] >= {"received", "completed"}
    assert counters.open_due({**fact, "decided_on": None, "deadlines": {"promised": "2025-03-24"}}) == "2025-03-24"
    assert counters.open_due(fact) is None
    assert not [key for key, _, _ in counters.contributions(counters.FACT, fact) if key.startswith("open|")]


def test_an_open_case_counts_on_its_promised_date_until_it_is_decided():
    accepted = case(received_by="clerk1", accepted_on="2025-03-03", deadlines={"promised": "2025-03-24"})
    opened = [entry for entry in counters.contributions(counters.FACT, accepted) if entry[0].startswith("open|")]
    assert opened == [["open|2025-03-24|health|-|-", "open", 1]]  # no roll-ups for open cases
    assert counters.dimensions("open|2025-03-24|health|-|-") == {
        "grain": "open", "day": "2025-03-24", "month": "2025-03", "department": "health", "item_code": None,
        "staff": None}
    decided = {**accepted, "decided_on": "2025-03-12", "decided_by": "chief1", "result": "approved"}
    delta = counters.difference(counters.contributions(counters.FACT, accepted),
                                counters.contributions(counters.FACT, decided))
    assert delta["open|2025-03-24|health|-|-"] == {"open": -1}
