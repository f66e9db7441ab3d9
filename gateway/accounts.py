"""Account rules: who may create which account, self-registration, the first admin."""
import logging

from gateway import auth
from gateway.access import STAFF_ROLES
from gateway.settings import GatewaySettings
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound, field_error

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


def check_may_manage(actor: dict, account: dict | None, username: str) -> dict:
    """Disable, enable, issue keys: centre_admin for anyone, department_admin for its own department's staff
    and API clients; an API client may manage its own keys (scope keys:manage)."""
    if account is None:
        raise NotFound(f"账号 {username} 不存在")
    if actor["role"] == "centre_admin":
        return account
    if actor["role"] == "department_admin" and account.get("department") == actor.get("department") \
            and account["role"] in (*STAFF_ROLES, "api_client") and account["username"] != actor["username"]:
        return account
    raise Forbidden("只有中心管理员或本部门管理员可以管理此账号")


def issue_api_key(store, settings: GatewaySettings, account: dict, scopes: list[str], label: str | None) -> dict:
    """A new key with these scopes; the key itself is in this answer only."""
    if account["role"] != "api_client":
        raise InvalidInput("只有 API 客户端账号可以持有 API 密钥", [field_error("username", "不是 API 客户端账号")])
    api_key = auth.new_api_key()
    record = store.add_api_key(account["username"], auth.api_key_hash(settings, api_key), scopes, label)
    return {**record, "api_key": api_key}


def rotate_api_key(store, settings: GatewaySettings, account: dict, key_id: str) -> dict:
    """A new key with the old one's scopes; the old one stops working now. `key_id` "initial" is the key
    issued with the account."""
    if key_id == "initial":
        store.revoke_legacy_api_key(account["username"])
        return issue_api_key(store, settings, account, list(auth.ALL_SCOPES), "rotated from the initial key")
    old = store.get_api_key(account["username"], key_id)
    if old.get("revoked_at"):
        raise Conflict("该 API 密钥已吊销，不能轮换")
    fresh = issue_api_key(store, settings, account, old["scopes"], old.get("label"))
    store.revoke_api_key(account["username"], key_id)
    return fresh


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
