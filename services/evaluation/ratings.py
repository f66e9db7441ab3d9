"""好差评 (satisfaction ratings): levels, who may rate, and the follow-up a bad rating opens.

Levels follow the national 好差评 interface: 5 = 非常满意 … 1 = 非常不满意.
Levels 1-2 are bad ratings (差评): they must carry a reason and open a follow-up
(回访整改) to be rectified within RECTIFY_WORKING_DAYS working days (15 by default).
"""
import datetime as dt

from services.common import policy
from services.common.calendar import OfficialCalendar
from services.common.clock import WorkingDayClock
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound, field_error

# Working days on the official calendar, as approval counts them (the same pure domain module).
CLOCK = WorkingDayClock(OfficialCalendar())
LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_LEVELS = frozenset({1, 2})
CHANNELS = ("window", "sms", "web", "app", "province")
DEFAULT_CHANNEL = "web"
DEFAULT_RECTIFY_WORKING_DAYS = 15
COMMENT_MAX = 1000


def is_bad(level: int) -> bool:
    return level in BAD_LEVELS


def validate(level, comment, channel) -> tuple[int, str | None, str]:
    """Check a rating's fields, naming every bad one; returns (level, comment, channel)."""
    errors = []
    level_ok = isinstance(level, int) and not isinstance(level, bool) and level in LEVEL_LABELS
    if not level_ok:
        errors.append(field_error("level", "评价等级须为 1 到 5 的整数（5 = 非常满意，1 = 非常不满意）"))
    if comment is not None and not isinstance(comment, str):
        errors.append(field_error("comment", "评价内容须为文本"))
        comment = None
    comment = (comment or "").strip() or None
    if comment and len(comment) > COMMENT_MAX:
        errors.append(field_error("comment", f"评价内容不能超过 {COMMENT_MAX} 字"))
    elif level_ok and is_bad(level) and not comment:
        errors.append(field_error("comment", "不满意或非常不满意的评价须填写理由"))
    channel = channel or DEFAULT_CHANNEL
    if channel not in CHANNELS:
        errors.append(field_error("channel", f"评价渠道须为 {'、'.join(CHANNELS)} 之一"))
    if errors:
        raise InvalidInput("评价内容有误", errors)
    return level, comment, channel


def check_actor(actor) -> None:
    """Staff may never rate; an anonymous call may not either."""
    if not isinstance(actor, dict) or not actor.get("username"):
        raise Forbidden("评价须由办件申请人本人提交")
    if not policy.may_rate(actor):
        raise Forbidden("工作人员不得代为评价或修改评价")


def check_may_rate(actor: dict, facts: dict | None, case_no: str) -> None:
    """Only the case's owner, or the api_client that submitted it, may rate a decided case."""
    check_actor(actor)
    if facts is None:
        raise NotFound(f"办件 {case_no} 不存在")
    username, role = actor["username"], actor.get("role")
    submitted_by = facts.get("submitted_by")
    is_owner = facts.get("owner") is not None and username == facts.get("owner")
    is_client = role == "api_client" and submitted_by is not None and username == submitted_by
    if not (is_owner or is_client):
        raise Forbidden("只有办件申请人或提交该办件的接入系统可以评价")
    if not facts.get("decided_on"):
        raise Conflict(f"办件 {case_no} 尚未办结，暂不能评价")


def follow_up(rated_on: dt.date, working_days: int = DEFAULT_RECTIFY_WORKING_DAYS) -> dict:
    """The follow-up (回访整改) a bad rating opens: rectify within `working_days` working days."""
    return {
        "status": "open",
        "opened_on": rated_on.isoformat(),
        "rectify_by": CLOCK.deadline(rated_on, working_days).value.isoformat(),
    }
