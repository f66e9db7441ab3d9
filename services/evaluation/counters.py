"""Pre-aggregated metric counters (预聚合计数): what each stored document adds to them.

A counter document holds the counts of one day, department, item and staff
member. Each case fact, rating (with its follow-up) and complaint contributes
to a few counters; `contributions(kind, doc)` says what, as a pure function of
the document. The store keeps on each document what it has contributed so far
and applies only the difference, so a document may change any number of times
(a complaint's person named late, a first-contact staff member learnt after
the case) and the counters follow; the metrics then sum counters in the
database instead of reading every fact.
"""
FACT, RATING, COMPLAINT = "fact", "rating", "complaint"
MAX_DAYS_BUCKET = 120  # used working days above this share one histogram bucket
NONE = "-"
SCALARS = (
    "received", "accepted", "refused", "completed", "approved", "denied", "on_time", "early", "days_sum",
    "days_n", "ratings", "satisfied", "bad_ratings", "follow_ups", "follow_ups_closed", "follow_ups_rectified",
    "follow_ups_dismissed", "follow_ups_on_time", "complaints", "complaints_closed", "complaints_substantiated",
)
LEVEL_FIELDS = tuple(f"level.{level}" for level in (1, 2, 3, 4, 5))
SATISFIED_LEVELS = frozenset({3, 4, 5})
BAD_LEVELS = frozenset({1, 2})


# Grains: "day" counters (day, department, item, staff) answer any date range and filter; monthly
# roll-ups per department, per staff member and per item answer whole-month questions from a few
# documents (a month of a city centre has thousands of day counters but a handful of roll-ups).
DAY, MONTH_DEPARTMENT, MONTH_STAFF, MONTH_ITEM = "day", "month_department", "month_staff", "month_item"
# Open cases (for `pending`): one counter per promised date and department, `open` = the cases accepted
# and not yet decided that are due that day, so the pending figures read a few counters, not every open case.
OPEN = "open"
ANY = "*"


def counter_id(day: str, department: str | None, item_code: str | None, staff: str | None,
               grain: str = DAY) -> str:
    period = day if grain in (DAY, OPEN) else day[:7]
    return "|".join((grain, period, department or NONE, item_code or NONE, staff or NONE))


def rollups(key: str) -> list[str]:
    """The monthly roll-up counters a day counter adds to."""
    _, day, department, item_code, staff = key.split("|")
    month = day[:7]
    return [f"{MONTH_DEPARTMENT}|{month}|{department}|{ANY}|{ANY}", f"{MONTH_STAFF}|{month}|{department}|{ANY}|{staff}",
            f"{MONTH_ITEM}|{month}|{department}|{item_code}|{ANY}"]


def dimensions(key: str) -> dict:
    """The dimension fields of a counter document, from its id."""
    grain, period, department, item_code, staff = key.split("|")
    value = {"department": department, "item_code": item_code, "staff": staff}
    return {"grain": grain, "day": period if grain in (DAY, OPEN) else None, "month": period[:7],
            **{k: (None if v in (NONE, ANY) else v) for k, v in value.items()}}


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fact(doc: dict) -> dict:
    dept, item = doc.get("department"), doc.get("item_code")
    received_by = doc.get("received_by")
    out: dict = {}

    def add(day, staff, **fields):
        if day:
            counter = out.setdefault(counter_id(day, dept, item, staff), {})
            for name, value in fields.items():
                counter[name] = counter.get(name, 0) + value

    add(doc.get("received_on"), received_by, received=1)
    add(doc.get("accepted_on"), received_by, accepted=1)
    if doc.get("refused"):
        add(doc.get("refused_on") or doc.get("received_on"), doc.get("refused_by") or received_by, refused=1)
    if doc.get("decided_on"):
        days = doc.get("used_working_days")
        timing = {"days_sum": days, "days_n": 1, f"wd.{min(int(days), MAX_DAYS_BUCKET)}": 1} if _is_number(days) \
            else {}
        add(doc["decided_on"], doc.get("decided_by"), completed=1,
            approved=int(doc.get("result") == "approved"), denied=int(doc.get("result") == "denied"),
            on_time=int(doc.get("on_time") is True), early=int(doc.get("early") is True), **timing)
    if due := open_due(doc):
        out[counter_id(due, dept, None, None, OPEN)] = {"open": 1}
    return out


def _rating(doc: dict) -> dict:
    level = doc["level"]
    fields = {"ratings": 1, f"level.{level}": 1, "satisfied": int(level in SATISFIED_LEVELS),
              "bad_ratings": int(level in BAD_LEVELS)}
    follow_up = doc.get("follow_up")
    if follow_up:
        closed = follow_up.get("status") == "closed"
        fields.update(follow_ups=1, follow_ups_closed=int(closed),
                      follow_ups_rectified=int(closed and follow_up.get("outcome") == "rectified"),
                      follow_ups_dismissed=int(closed and follow_up.get("outcome") == "dismissed"),
                      follow_ups_on_time=int(closed and follow_up.get("on_time") is True))
    return {counter_id(doc["rated_on"], doc.get("department"), doc.get("item_code"), doc.get("staff")): fields}


def _complaint(doc: dict) -> dict:
    fields = {"complaints": 1, "complaints_closed": int(doc.get("status") == "closed"),
              "complaints_substantiated": int(doc.get("substantiated") is True)}
    return {counter_id(doc["created_on"], doc.get("department"), doc.get("item_code"), doc.get("against")): fields}


_KINDS = {FACT: _fact, RATING: _rating, COMPLAINT: _complaint}


def contributions(kind: str, doc: dict) -> list[list]:
    """[[counter_id, field, value], ...] the document adds, zeros left out, in a stable order."""
    flat = [[target, name, value] for key, fields in _KINDS[kind](doc).items()
            for target in ((key, *rollups(key)) if key.startswith(DAY + "|") else (key,))
            for name, value in fields.items() if value]
    return sorted(flat, key=lambda entry: (entry[0], entry[1]))


def difference(before: list[list] | None, after: list[list]) -> dict:
    """{counter_id: {field: delta}} turning the `before` contributions into `after`."""
    delta: dict = {}
    for sign, entries in ((-1, before or []), (1, after)):
        for key, name, value in entries:
            fields = delta.setdefault(key, {})
            fields[name] = fields.get(name, 0) + sign * value
    return {key: {n: v for n, v in fields.items() if v} for key, fields in delta.items()
            if any(fields.values())}


def open_due(fact: dict) -> str | None:
    """The promised date of a case accepted and not yet decided or closed (for `pending`), else None."""
    if not fact.get("accepted_on") or fact.get("decided_on") or fact.get("closed_on") or fact.get("refused"):
        return None
    return (fact.get("deadlines") or {}).get("promised")
