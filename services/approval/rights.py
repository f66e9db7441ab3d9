"""Who may take which case action (审批权限), in one table.

This slice decides by role and department; the chief representative's
authorisation letter (首席代表委托书) will narrow it later.
"""
from services.approval.labels import ACTION_NAMES
from services.common.errors import Forbidden

# Decisions (核准 / 审批 / 发证) belong to the chief representative.
DECISION_ACTIONS = frozenset({"approve", "deny", "issue_certificate", "record_higher_decision"})
STAFF_ACTIONS = frozenset({
    "start_review", "schedule_inspection", "record_inspection", "sign_joint", "escalate",
    "pause_clock", "resume_clock", "deliver", "withdraw",
})
ALL_ACTIONS = DECISION_ACTIONS | STAFF_ACTIONS

RIGHTS = {
    "chief_rep": ALL_ACTIONS,
    "reviewer": STAFF_ACTIONS,
    "clerk": STAFF_ACTIONS,
}
# May act on any department's cases.
CENTRE_ROLES = frozenset({"centre_admin"})


def may(actor: dict, action: str, departments: set[str]) -> bool:
    """True when `actor` may take `action` on a case handled by one of `departments`."""
    role = actor.get("role")
    if role in CENTRE_ROLES:
        return True
    return action in RIGHTS.get(role, ()) and actor.get("department") in departments


def authorize(actor: dict, action: str, departments: set[str]) -> None:
    if not may(actor, action, departments):
        raise Forbidden(f"当前账号（角色 {actor.get('role')}）无权对本办件执行「{ACTION_NAMES.get(action, action)}」")
