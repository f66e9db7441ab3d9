"""Efficiency and satisfaction metrics (效能指标) computed from per-case facts.

Definitions (rates are fractions 0..1 rounded to 4 places, None when nothing to divide by):
- received: cases in the selection; accepted: with an acceptance date; refused: refused at intake;
  completed: decided (approved or denied).
- on_time_rate: completed on or before the promised date / completed;
  early_rate: completed before the promised date / completed.
- avg_working_days: mean working days used by the completed cases (2 places).
- satisfaction_rate: ratings at levels 3-5 (基本满意 and better) / all ratings;
  bad_ratings: ratings at levels 1-2.
- complaints: complaints received.
"""
from collections.abc import Iterable

LEVELS = (5, 4, 3, 2, 1)
SATISFIED_LEVELS = frozenset({3, 4, 5})
BAD_LEVELS = frozenset({1, 2})


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def rating_summary(levels: list[int]) -> dict:
    return {"count": len(levels), "by_level": {str(level): levels.count(level) for level in LEVELS}}


def compute(facts: Iterable[dict], ratings: Iterable[dict], complaints: int = 0) -> dict:
    facts = list(facts)
    completed = [fact for fact in facts if fact.get("decided_on")]
    days = [fact["used_working_days"] for fact in completed if _is_number(fact.get("used_working_days"))]
    levels = [rating["level"] for rating in ratings]
    satisfied = sum(1 for level in levels if level in SATISFIED_LEVELS)
    return {
        "received": len(facts),
        "accepted": sum(1 for fact in facts if fact.get("accepted_on")),
        "refused": sum(1 for fact in facts if fact.get("refused")),
        "completed": len(completed),
        "on_time_rate": ratio(sum(1 for fact in completed if fact.get("on_time") is True), len(completed)),
        "early_rate": ratio(sum(1 for fact in completed if fact.get("early") is True), len(completed)),
        "avg_working_days": round(sum(days) / len(days), 2) if days else None,
        "ratings": rating_summary(levels),
        "satisfaction_rate": ratio(satisfied, len(levels)),
        "bad_ratings": sum(1 for level in levels if level in BAD_LEVELS),
        "complaints": complaints,
    }
