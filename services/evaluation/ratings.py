"""好差评 (satisfaction ratings): levels, who may rate, and the follow-up a bad rating opens.

Levels follow the national 好差评 interface: 5 = 非常满意 … 1 = 非常不满意.
Levels 1-2 are bad ratings (差评): they must carry a reason and open a follow-up
(回访整改, services/evaluation/follow_ups.py). After that follow-up closes the
applicant may rate the case once more (round 2).
"""
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound, field_error

LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_LEVELS = frozenset({1, 2})
CHANNELS = ("window", "sms", "web", "app", "province")
DEFAULT_CHANNEL = "web"
COMMENT_MAX = 1000
# A staff member may never enter or change a rating.
STAFF_ROLES = frozenset({"clerk", "chief_rep", "reviewer", "department_admin", "supervisor", "centre_admin"})


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


def by_query_code(actor) -> bool:
    """A walk-in applicant without an account, let in by the case's query code (查询码) at the gateway."""
    return isinstance(actor, dict) and actor.get("role") == "applicant" and actor.get("via") == "query_code"


def check_actor(actor) -> None:
    """Staff may never rate; an anonymous call may not either (a query-code holder is not anonymous)."""
    if by_query_code(actor):
        return
    if not isinstance(actor, dict) or not actor.get("username"):
        raise Forbidden("评价须由办件申请人本人提交")
    if actor.get("role") in STAFF_ROLES:
        raise Forbidden("工作人员不得代为评价或修改评价")


def check_may_rate(actor: dict, facts: dict | None, case_no: str) -> None:
    """Only the case's owner, or the api_client that submitted it, may rate a decided case."""
    check_actor(actor)
    if facts is None:
        raise NotFound(f"办件 {case_no} 不存在")
    if by_query_code(actor):  # the gateway checked the query code against this case
        if not facts.get("decided_on"):
            raise Conflict(f"办件 {case_no} 尚未办结，暂不能评价")
        return
    username, role = actor["username"], actor.get("role")
    submitted_by = facts.get("submitted_by")
    is_owner = facts.get("owner") is not None and username == facts.get("owner")
    is_client = role == "api_client" and submitted_by is not None and username == submitted_by
    if not (is_owner or is_client):
        raise Forbidden("只有办件申请人或提交该办件的接入系统可以评价")
    if not facts.get("decided_on"):
        raise Conflict(f"办件 {case_no} 尚未办结，暂不能评价")


def next_round(existing: list[dict], case_no: str) -> int:
    """1 for the first rating; 2 once the first one's follow-up has closed; otherwise 409."""
    if not existing:
        return 1
    first = existing[0]
    if len(existing) == 1 and (first.get("follow_up") or {}).get("status") == "closed":
        return 2
    if len(existing) == 1 and first.get("follow_up"):
        raise Conflict(f"办件 {case_no} 的差评回访整改尚未办结，办结后方可再次评价")
    raise Conflict(f"办件 {case_no} 已评价，不能重复评价")
