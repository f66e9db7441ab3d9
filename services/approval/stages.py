"""The deadlines a case is watched against after acceptance (限时办结, per stage).

While open: the promised and statutory dates, and the current stage's own
limit from the item snapshot (`stage_limits`, working days from the stage's
start). After approval: the certificate within 10 working days (then
delivery), after a denial delivery of the decision within 10.
"""
import datetime as dt

from services.approval.items import has_licence
from services.approval.workflow import OPEN
from services.common.calendar import parse_date
from services.common.clock import Pause, WorkingDayClock
from services.common.supervision import Deadline

STAGE_OF_STATUS = {"accepted": "review", "in_review": "review", "site_inspection": "inspection",
                   "joint_review": "joint_review", "escalated": "escalated",
                   "approved": "certificate", "certificate_issued": "delivery", "denied": "delivery"}
# Working days per stage when the item names none (the law's 10 days to issue and deliver).
DEFAULT_STAGE_LIMITS = {"certificate": 10, "delivery": 10}


def stage_limit(item: dict, stage: str) -> int | None:
    limits = {**DEFAULT_STAGE_LIMITS, **(item.get("stage_limits") or {})}
    value = limits.get(stage)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def stage_of(case: dict) -> str | None:
    status = case["status"]
    if status == "approved" and not has_licence(case["item"]):
        return "delivery"
    return STAGE_OF_STATUS.get(status)


def watched(case: dict, clock: WorkingDayClock, today: dt.date, pauses: list[Pause]) -> list[Deadline]:
    """Every deadline the case is watched against now."""
    status, item = case["status"], case["item"]
    result = []
    if status in OPEN and case.get("deadlines"):
        result += [Deadline("overall", parse_date(case["deadlines"]["promised"])),
                   Deadline("statutory", parse_date(case["deadlines"]["statutory"]))]
    stage = stage_of(case)
    limit = stage_limit(item, stage) if stage else None
    if limit is not None:
        since = parse_date(case.get("stage_since") or case["accepted_on"])
        stage_pauses = pauses if status in OPEN else []
        result.append(Deadline(stage, clock.deadline(since, limit, stage_pauses, as_of=today).value))
    return result
