"""Bad-rating follow-ups (回访整改): open → contacted (回访) → rectified (整改) or
dismissed (with reasons) → closed, within the rectification limit.

The follow-up is stored inside the bad rating that opened it, so opening it is
part of the same write as the rating. After it closes the applicant may rate
the case once more. A follow-up past its limit and not closed is overdue: the
case's staff member and unit get an accountability record (unrectified bad rating).
"""
import datetime as dt
from dataclasses import dataclass

from services.common import policy
from services.common.errors import Conflict, Forbidden, InvalidInput, field_error
from services.evaluation import timing

OPEN, CONTACTED, RECTIFIED, DISMISSED, CLOSED = "open", "contacted", "rectified", "dismissed", "closed"
STATES = (OPEN, CONTACTED, RECTIFIED, DISMISSED, CLOSED)
STATE_LABELS = {OPEN: "待回访", CONTACTED: "已回访", RECTIFIED: "已整改", DISMISSED: "不予整改", CLOSED: "已办结"}
ACTIONS = {
    "contact": ((OPEN,), CONTACTED),
    "rectify": ((CONTACTED,), RECTIFIED),
    "dismiss": ((CONTACTED,), DISMISSED),
    "close": ((RECTIFIED, DISMISSED), CLOSED),
}
NOTE_REQUIRED = frozenset({"contact", "rectify", "dismiss"})
NOTE_MAX = 2000
DEFAULT_RECTIFY_WORKING_DAYS = 15
MIN_RECTIFY_WORKING_DAYS, MAX_RECTIFY_WORKING_DAYS = 5, 15


@dataclass(frozen=True)
class FollowUpStep:
    state: str
    changes: dict
    entry: dict


def rectify_days(value) -> int:
    """The configured limit, held to the 5..15 working days localities use."""
    days = int(value) if value not in (None, "") else DEFAULT_RECTIFY_WORKING_DAYS
    if not MIN_RECTIFY_WORKING_DAYS <= days <= MAX_RECTIFY_WORKING_DAYS:
        raise ValueError(f"RECTIFY_WORKING_DAYS must be {MIN_RECTIFY_WORKING_DAYS}..{MAX_RECTIFY_WORKING_DAYS}")
    return days


def open_follow_up(follow_up_id: str, rated_on: dt.date, working_days: int) -> dict:
    return {"id": follow_up_id, "status": OPEN, "opened_on": rated_on.isoformat(),
            "rectify_by": timing.due_date(rated_on, working_days).isoformat(), "outcome": None, "history": []}


def check_actor(actor: dict, department: str | None) -> None:
    if policy.may_work_on_department_matter(actor or {}, department):
        return
    raise Forbidden("只有督查人员或本部门工作人员可以办理回访整改")


def apply(follow_up: dict, department: str | None, action: str, actor: dict, note, now: dt.datetime,
          today: dt.date) -> FollowUpStep:
    if action not in ACTIONS:
        raise InvalidInput("回访整改动作无效", [field_error("action", f"须为 {'、'.join(ACTIONS)} 之一")])
    if note is not None and not isinstance(note, str):
        raise InvalidInput("回访整改信息有误", [field_error("note", "说明须为文本")])
    note = (note or "").strip() or None
    if action in NOTE_REQUIRED and not note:
        raise InvalidInput("回访整改信息有误", [field_error("note", "须填写回访情况、整改措施或不予整改的理由")])
    if note and len(note) > NOTE_MAX:
        raise InvalidInput("回访整改信息有误", [field_error("note", f"说明不能超过 {NOTE_MAX} 字")])
    check_actor(actor, department)
    sources, target = ACTIONS[action]
    if follow_up["status"] not in sources:
        raise Conflict(f"回访整改当前状态为“{STATE_LABELS[follow_up['status']]}”，不能执行 {action}")
    changes = {"status": target}
    if target in (RECTIFIED, DISMISSED):
        changes["outcome"] = target
    if target == CLOSED:
        changes["closed_on"] = today.isoformat()
        changes["on_time"] = today.isoformat() <= follow_up["rectify_by"]
    entry = {"at": now.isoformat(), "status": target, "action": action, "actor": actor.get("username"),
             "actor_role": actor.get("role"), **({"note": note} if note else {})}
    return FollowUpStep(target, changes, entry)


def is_overdue(follow_up: dict, today: dt.date) -> bool:
    return follow_up["status"] != CLOSED and today.isoformat() > follow_up["rectify_by"]


def supervision(follow_up: dict, today: dt.date) -> dict:
    if follow_up["status"] == CLOSED:
        return timing.state(today, None)
    return timing.state(today, dt.date.fromisoformat(follow_up["rectify_by"]))


def unrectified_record(rating: dict, staff: str | None, today: dt.date) -> dict:
    """The accountability record an overdue follow-up writes (one per follow-up)."""
    return {"_id": f"unrectified_rating:{rating['_id']}", "source": "unrectified_rating", "ref": rating["_id"],
            "username": staff, "department": rating.get("department"),
            "reason": f"差评未在期限内整改（办件 {rating['case_no']}，期限 {rating['follow_up']['rectify_by']}）",
            "date": today.isoformat(), "recorded_by": None}
