"""Efficiency and satisfaction metrics (效能指标), composed from counter sums the
database computed.

Definitions (rates are fractions 0..1 rounded to 4 places, None when nothing to divide by).
Every count is by the day its event happened, in the centre's calendar:
- received: applications received in the period; accepted; refused (不予受理);
  completed: decided (approved or denied) in the period.
- on_time_rate: completed on or before the promised date / completed;
  early_rate: completed before the promised date / completed.
- avg_working_days: mean working days used by the completed cases (2 places);
  p90_working_days: the nearest-rank 90th percentile of the same.
- pending: cases accepted and not yet decided, now, by remaining working days to
  the promised date: overdue (<0), due (0-1), soon (2-5), later (>5).
- ratings {count, by_level}; satisfaction_rate: levels 3-5 / all ratings; bad_ratings: levels 1-2.
- follow_ups {opened, closed, rectified, dismissed}; rectification_rate: rectified / opened
  (the bad ratings of the period whose follow-up ended in rectification).
- complaints: received in the period; complaints_closed: of those, closed;
  complaint_closure_rate: closed / received.
"""
import datetime as dt
import math

from services.evaluation.counters import MAX_DAYS_BUCKET

LEVELS = (5, 4, 3, 2, 1)
PENDING_BUCKETS = ("overdue", "due", "soon", "later")


def ratio(part: int, whole: int) -> float | None:
    return None if not whole else round(part / whole, 4)


def percentile(histogram: dict[int, int], fraction: float = 0.9) -> int | None:
    """Nearest-rank percentile of a {value: count} histogram."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = math.ceil(fraction * total), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def pending_bucket(remaining: int) -> str:
    if remaining < 0:
        return "overdue"
    if remaining <= 1:
        return "due"
    return "soon" if remaining <= 5 else "later"


SURELY_LATER_DAYS = 30  # any 30 calendar days hold more than 5 working days, even with a week's holiday


def pending_bucket_on(today: dt.date, due: dt.date, remaining_working_days) -> str:
    """The bucket of a case promised for `due`, counting working days (`remaining_working_days(today, due)`)
    only when the answer depends on them: a date already past is overdue and a far one later, however
    many working days lie between (counting them day by day for every due date made pending slow)."""
    if due < today:
        return "overdue"
    if (due - today).days > SURELY_LATER_DAYS:
        return "later"
    return pending_bucket(remaining_working_days(today, due))


def compose(sums: dict, histogram: dict[int, int] | None = None, pending: dict | None = None) -> dict:
    """The metrics view from summed counters (missing fields read as 0)."""
    get = lambda name: int(sums.get(name) or 0)  # noqa: E731
    completed, ratings = get("completed"), get("ratings")
    days_n = get("days_n")
    by_level = {str(level): int((sums.get("level") or {}).get(str(level)) or sums.get(f"level.{level}") or 0)
                for level in LEVELS}
    return {
        "received": get("received"),
        "accepted": get("accepted"),
        "refused": get("refused"),
        "completed": completed,
        "approved": get("approved"),
        "denied": get("denied"),
        "on_time": get("on_time"),
        "on_time_rate": ratio(get("on_time"), completed),
        "early_rate": ratio(get("early"), completed),
        "avg_working_days": round(get("days_sum") / days_n, 2) if days_n else None,
        "p90_working_days": percentile(histogram or {}),
        "p90_capped_at": MAX_DAYS_BUCKET,
        "pending": {bucket: int((pending or {}).get(bucket, 0)) for bucket in PENDING_BUCKETS},
        "ratings": {"count": ratings, "by_level": by_level},
        "satisfaction_rate": ratio(get("satisfied"), ratings),
        "bad_ratings": get("bad_ratings"),
        "follow_ups": {"opened": get("follow_ups"), "closed": get("follow_ups_closed"),
                       "rectified": get("follow_ups_rectified"), "dismissed": get("follow_ups_dismissed"),
                       "closed_on_time": get("follow_ups_on_time")},
        "rectification_rate": ratio(get("follow_ups_rectified"), get("follow_ups")),
        "complaints": get("complaints"),
        "complaints_closed": get("complaints_closed"),
        "complaints_substantiated": get("complaints_substantiated"),
        "complaint_closure_rate": ratio(get("complaints_closed"), get("complaints")),
    }
