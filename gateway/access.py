"""Who may do what: roles, and who may see a case.

An applicant sees only its own cases, an API client the cases it submitted,
department staff their department's, supervisors and the centre admin all.
A case the caller may not see answers 404, so its existence is not revealed.
"""
from gateway.errors import Unauthorized
from services.common.errors import Forbidden, NotFound

ROLES = ("applicant", "clerk", "chief_rep", "reviewer", "department_admin", "supervisor", "centre_admin", "api_client")
STAFF_ROLES = ("clerk", "chief_rep", "reviewer", "department_admin")
OVERSIGHT_ROLES = ("supervisor", "centre_admin")


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


def is_staff_of(actor: dict, department: str | None) -> bool:
    return actor["role"] in STAFF_ROLES and department is not None and actor.get("department") == department


def case_departments(case: dict) -> set[str]:
    """The case's department and, for a joint case (联办), every department that must sign."""
    return {case.get("department"), *((case.get("joint") or {}).get("departments") or [])} - {None}


def can_see_case(actor: dict, case: dict) -> bool:
    role = actor["role"]
    if role in OVERSIGHT_ROLES:
        return True
    if role == "applicant":
        return case.get("owner") == actor["username"]
    if role == "api_client":
        return case.get("submitted_by") == actor["username"]
    return any(is_staff_of(actor, department) for department in case_departments(case))


def ensure_visible(actor: dict, case: dict, case_no: str) -> None:
    if not can_see_case(actor, case):
        raise NotFound(f"办件 {case_no} 不存在")


def ensure_staff_of(actor: dict, case: dict) -> None:
    """Staff of the case's department, or of a joint department (approval decides which actions they may take)."""
    if not any(is_staff_of(actor, department) for department in case_departments(case)):
        raise Forbidden("只有本部门窗口工作人员可以办理此办件")


def metrics_department(actor: dict, requested: str | None) -> str | None:
    """Oversight sees any department (or all); staff only their own."""
    if actor["role"] in OVERSIGHT_ROLES:
        return requested
    if actor["role"] in STAFF_ROLES and actor.get("department"):
        if requested and requested != actor["department"]:
            raise Forbidden("只能查看本部门的统计指标")
        return actor["department"]
    raise Forbidden("当前角色无权查看统计指标")
