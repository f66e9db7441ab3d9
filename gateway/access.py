"""The gateway's side of the one authorisation policy (services/common/policy.py): who the caller is,
and the policy's answers turned into 401/403/404.

A case the caller may not see answers 404, so its existence is not revealed.
"""
from gateway.errors import Unauthorized
from services.common import policy
from services.common.errors import Forbidden, NotFound

ROLES = policy.ROLES
STAFF_ROLES = tuple(sorted(policy.STAFF_ROLES))
OVERSIGHT_ROLES = tuple(sorted(policy.OVERSIGHT_ROLES))


def current_actor(req) -> dict | None:
    """The caller's actor, or None when anonymous; a bad credential is always 401."""
    if req.context.auth_error is not None:
        raise req.context.auth_error
    return req.context.actor


def require(req, *roles: str) -> dict:
    """The caller's actor; 401 when anonymous, 403 when its role is not among `roles` (if given)."""
    actor = current_actor(req)
    if actor is None:
        raise Unauthorized("此操作需要登录：请使用 Authorization: Bearer <令牌或 API 密钥>")
    if roles and actor["role"] not in roles:
        raise Forbidden("当前角色无权执行此操作")
    return actor


is_staff_of = policy.is_staff_of
case_departments = policy.case_departments
can_see_case = policy.can_see_case


def ensure_visible(actor: dict, case: dict, case_no: str) -> None:
    if not can_see_case(actor, case):
        raise NotFound(f"办件 {case_no} 不存在")


def ensure_staff_of(actor: dict, case: dict) -> None:
    """Staff of the case's department, or of a joint department (approval decides which actions they may take)."""
    if not any(is_staff_of(actor, department) for department in case_departments(case)):
        raise Forbidden("只有本部门窗口工作人员可以办理此办件")


def metrics_department(actor: dict, requested: str | None) -> str | None:
    """Oversight sees any department (or all); staff only their own."""
    try:
        return policy.oversight_department(actor, requested)
    except PermissionError as exc:
        raise Forbidden(str(exc)) from None
