"""Account rules: who may create which account, self-registration, the first admin."""
import logging

from gateway import auth
from gateway.access import STAFF_ROLES
from gateway.settings import GatewaySettings
from services.common.errors import Conflict, Forbidden, InvalidInput, field_error

log = logging.getLogger(__name__)

ADMIN_USERNAME = "admin"
DEPARTMENT_ADMIN_MAY_CREATE = STAFF_ROLES


def account_errors(body: dict) -> list[dict]:
    """Rules across fields the schema cannot say well."""
    errors = []
    role = body.get("role")
    if role in STAFF_ROLES and not body.get("department"):
        errors.append(field_error("department", "窗口工作人员和部门管理员必须指定部门"))
    if role != "api_client" and not body.get("password"):
        errors.append(field_error("password", "必填"))
    return errors


def check_may_create(actor: dict, body: dict) -> None:
    if actor["role"] == "centre_admin":
        return
    if actor["role"] == "department_admin":
        if body.get("role") not in DEPARTMENT_ADMIN_MAY_CREATE:
            raise Forbidden("部门管理员只能创建本部门的窗口工作人员账号")
        if body.get("department") != actor.get("department"):
            raise Forbidden("部门管理员只能为本部门创建账号")
        return
    raise Forbidden("只有中心管理员或部门管理员可以创建账号")


def create_account(store, settings: GatewaySettings, body: dict) -> dict:
    """Store a new account; an API client's key is returned here and never again."""
    role = body["role"]
    api_key = auth.new_api_key() if role == "api_client" else None
    account = store.create({
        "username": body["username"],
        "role": role,
        "department": body.get("department") if role in STAFF_ROLES or role == "api_client" else None,
        "display_name": body["display_name"],
        "phone": body.get("phone"),
        "work_no": body.get("work_no") if role in STAFF_ROLES else None,
        "password_hash": auth.hash_password(body["password"]) if body.get("password") else None,
        "api_key_hash": auth.api_key_hash(settings, api_key) if api_key else None,
    })
    if api_key:
        account["api_key"] = api_key
    return account


def register_applicant(store, settings: GatewaySettings, body: dict) -> dict:
    return create_account(store, settings, {**body, "role": "applicant", "department": None})


def ensure_admin(store, settings: GatewaySettings) -> None:
    """On first start create `admin`; concurrent workers race on the unique username and one wins."""
    if store.count() > 0:
        return
    try:
        create_account(store, settings, {"username": ADMIN_USERNAME, "password": settings.admin_password,
                                         "role": "centre_admin", "display_name": "中心管理员"})
        log.info("created the first account: %s (centre_admin)", ADMIN_USERNAME)
    except (Conflict, InvalidInput):
        pass
