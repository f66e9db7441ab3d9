"""Applications before acceptance in the queues (网上预审, 补正): their stage deadlines, supervision,
allowed actions and their place in the case list as of a listing's first instant.

A record's place derives from its status at that instant (read from its
history), so intake pages without storing a key: see services.common.caselist.
"""
import datetime as dt

from services.common import caselist, policy, supervision
from services.common.calendar import parse_date
from services.common.clock import WorkingDayClock
from services.common.supervision import Deadline

PRE_REVIEW_DAYS = 2         # 网上预审 within 2 working days of receipt
NOTICE_DAYS = 5             # a one-time notice within 5 working days, or the case counts as accepted
SUPPLEMENT_DAYS = 20        # working days the applicant has to supplement (told in the notice)
ALLOWED_FROM = {"accept": ("pre_review",), "refuse": ("pre_review", "awaiting_supplement")}


def received_on(record: dict) -> dt.date:
    return parse_date(record.get("received_on") or record["received_at"][:10])


def status_as_of(record: dict, as_of: str) -> str | None:
    """The record's status at `as_of` (None if it was not yet received)."""
    if record.get("received_at") and record["received_at"] > as_of:
        return None
    earlier = [entry for entry in record.get("history") or () if entry.get("at", "") <= as_of]
    return earlier[-1]["status"] if earlier else record["status"]


def notice_date(record: dict) -> dt.date | None:
    notice = record.get("notice") or {}
    if notice.get("kind") == "one_time_notice" and notice.get("date"):
        return parse_date(notice["date"])
    return None


def supplement_due(record: dict, clock: WorkingDayClock) -> dt.date | None:
    issued = notice_date(record)
    return clock.deadline(issued, SUPPLEMENT_DAYS).value if issued else None


def watched(record: dict, status: str, clock: WorkingDayClock) -> list[Deadline]:
    """Deadlines staff are held to before acceptance: pre-review (2) and the one-time notice (5)."""
    if status != "pre_review":
        return []
    start = received_on(record)
    return [Deadline("pre_review", clock.deadline(start, PRE_REVIEW_DAYS).value),
            Deadline("acceptance", clock.deadline(start, NOTICE_DAYS).value)]


def supervision_of(record: dict, clock: WorkingDayClock, today: dt.date, status: str | None = None) -> dict:
    return supervision.assess(clock, today, watched(record, status or record["status"], clock))


def sort_key(record: dict, status: str, clock: WorkingDayClock) -> str:
    """Pre-review by its deadline, a case awaiting 补正 by the applicant's deadline, closed ones last."""
    if status == "pre_review":
        due = clock.deadline(received_on(record), PRE_REVIEW_DAYS).value.isoformat()
    elif status == "awaiting_supplement":
        due = (supplement_due(record, clock) or received_on(record)).isoformat()
    else:
        due = None
    return supervision.sort_key(False, {"stage_deadline": due}, record["case_no"])


def legal_actions(record: dict) -> list[str]:
    return [action for action, statuses in ALLOWED_FROM.items() if record["status"] in statuses]


def allowed_actions(record: dict, actor: dict | None, authority: dict | None, today: dt.date) -> list[str]:
    if not actor:
        return []
    return policy.allowed_actions(actor, record, legal_actions(record), authority, today)


def queue_fields(record: dict, clock: WorkingDayClock, today: dt.date, actor: dict | None,
                 authority: dict | None = None) -> dict:
    """What the case view adds for queues: supervision, allowed actions, the first-contact person."""
    first = record.get("first_contact") or None
    return {"supervision": supervision_of(record, clock, today),
            "allowed_actions": allowed_actions(record, actor, authority, today),
            "urgent": False, "received_by": first and {"username": first.get("username"),
                                                       "work_no": first.get("work_no"),
                                                       "display_name": first.get("display_name")}}


def page(records, query: dict, actor: dict, clock: WorkingDayClock, today: dt.date, view) -> dict:
    """One page of pre-acceptance records in queue order, as of the listing's instant."""
    as_of, after, limit = query["as_of"], query.get("after"), query["limit"]
    rows = []
    for record in records:
        status = status_as_of(record, as_of)
        if status is None or status == "accepted":
            continue
        key = sort_key(record, status, clock)
        if after is not None and key <= after:
            continue
        if query.get("status") and record["status"] != query["status"]:
            continue
        case = {**view(record), **queue_fields(record, clock, today, actor)}
        if query.get("supervision") and case["supervision"]["state"] != query["supervision"]:
            continue
        if query.get("queue") == "mine" and not case["allowed_actions"]:
            continue
        rows.append((key, case))
    rows.sort(key=lambda row: row[0])
    found = caselist.source_page(rows, limit, 0, 1, None)
    return {"cases": [case for _, case in found["rows"]], "keys": [key for key, _ in found["rows"]],
            "bound": found["bound"]}
