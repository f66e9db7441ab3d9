import pytest

from services.evaluation.metrics import compute, ratio


def case(**facts):
    return facts


def test_empty_selection_has_counts_of_zero_and_rates_of_none():
    result = compute([], [], 0)
    assert result == {
        "received": 0, "accepted": 0, "refused": 0, "completed": 0,
        "on_time_rate": None, "early_rate": None, "avg_working_days": None,
        "ratings": {"count": 0, "by_level": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0}},
        "satisfaction_rate": None, "bad_ratings": 0, "complaints": 0,
    }


def test_counts_and_rates():
    facts = [
        case(accepted_on="2025-03-03", decided_on="2025-03-10", on_time=True, early=True, used_working_days=5),
        case(accepted_on="2025-03-03", decided_on="2025-03-30", on_time=False, early=False, used_working_days=22),
        case(accepted_on="2025-03-04", decided_on="2025-03-20", on_time=True, early=False, used_working_days=12),
        case(accepted_on="2025-03-05"),  # still in review
        case(refused=True),
        case(),  # received, awaiting supplement
    ]
    result = compute(facts, [], 2)
    assert (result["received"], result["accepted"], result["refused"], result["completed"]) == (6, 4, 1, 3)
    assert result["on_time_rate"] == 0.6667
    assert result["early_rate"] == 0.3333
    assert result["avg_working_days"] == 13.0
    assert result["complaints"] == 2


def test_cases_in_review_do_not_change_the_rates():
    decided = case(decided_on="2025-03-10", on_time=True, early=False, used_working_days=4)
    assert compute([decided], [])["on_time_rate"] == 1.0
    assert compute([decided, case(accepted_on="2025-03-01")], [])["on_time_rate"] == 1.0


def test_unknown_working_days_are_left_out_of_the_average():
    facts = [case(decided_on="d", used_working_days=3), case(decided_on="d", used_working_days=None),
             case(decided_on="d", used_working_days=True)]
    assert compute(facts, [])["avg_working_days"] == 3.0
    assert compute([case(decided_on="d")], [])["avg_working_days"] is None


def test_on_time_must_be_true_not_truthy():
    assert compute([case(decided_on="d", on_time="yes")], [])["on_time_rate"] == 0.0


def test_ratings_by_level_and_satisfaction():
    levels = [5, 5, 4, 3, 2, 1, 1]
    result = compute([], [{"level": level} for level in levels])
    assert result["ratings"] == {"count": 7, "by_level": {"5": 2, "4": 1, "3": 1, "2": 1, "1": 2}}
    assert result["satisfaction_rate"] == round(4 / 7, 4)
    assert result["bad_ratings"] == 3


def test_basic_satisfaction_counts_as_satisfied():
    assert compute([], [{"level": 3}])["satisfaction_rate"] == 1.0
    assert compute([], [{"level": 2}])["satisfaction_rate"] == 0.0


@pytest.mark.parametrize("part,whole,expected", [(0, 0, None), (1, 3, 0.3333), (2, 2, 1.0), (0, 5, 0.0)])
def test_ratio(part, whole, expected):
    assert ratio(part, whole) == expected


def test_facts_are_read_once_from_any_iterable():
    facts = (case(decided_on="d", on_time=True) for _ in range(3))
    assert compute(facts, iter([{"level": 5}]))["completed"] == 3
