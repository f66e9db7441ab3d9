"""Demo data: the demo accounts (idempotent), written through the gateway's own store.

`python -m deploy.seed`; the last stdout line is a JSON summary. The catalogue
is intake's own seed; here it is only counted. Every demo account's password
is DEMO_PASSWORD; the API client's key is printed once, when it is created.
"""
import json
import sys

from pymongo import MongoClient

from gateway.accounts import create_account, ensure_admin
from gateway.rpc import RpcClient
from gateway.settings import GatewaySettings
from gateway.store import AccountStore
from services.common import contracts
from services.common.config import database_name, setting

DEMO_PASSWORD = "Demo-2026!"

# username, role, department, display name
DEMO_ACCOUNTS = (
    ("clerk1", "clerk", "health", "卫生局窗口 王敏"),
    ("chief1", "chief_rep", "health", "卫生局首席代表 李强"),
    ("reviewer1", "reviewer", "health", "卫生局审查员 赵静"),
    ("health_admin", "department_admin", "health", "卫生局部门管理员"),
    ("market_clerk1", "clerk", "market", "市场监管局窗口 孙丽"),
    ("market_chief1", "chief_rep", "market", "市场监管局首席代表 周涛"),
    ("supervisor1", "supervisor", None, "中心督查 陈刚"),
    ("zhangsan", "applicant", None, "张三"),
    ("province", "api_client", None, "省级一体化政务服务平台"),
    # issue 5: A角 of each department's chief representative pair, and market's admin (who issues its letter)
    ("chief_a1", "chief_rep", "health", "卫生局分管副局长（首席代表A角） 刘洋"),
    ("market_chief_a1", "chief_rep", "market", "市场监管局分管副局长（首席代表A角） 吴敏"),
    ("market_admin", "department_admin", "market", "市场监管局部门管理员"),
)
# Work numbers (工号) of the demo staff.
WORK_NUMBERS = {"clerk1": "WS-0101", "chief1": "WS-0102", "reviewer1": "WS-0103", "health_admin": "WS-0100",
                "market_clerk1": "WS-0201", "market_chief1": "WS-0202", "chief_a1": "WS-0110",
                "market_chief_a1": "WS-0210", "market_admin": "WS-0200"}
# department -> (admin, A, B): the demo letters of authority (首席代表委托书), every item, every action.
DEMO_LETTERS = {"health": ("health_admin", "chief_a1", "chief1"),
                "market": ("market_admin", "market_chief_a1", "market_chief1")}


def seed_accounts(store: AccountStore, settings: GatewaySettings) -> tuple[list[str], str | None]:
    created, api_key = [], None
    for username, role, department, display_name in DEMO_ACCOUNTS:
        if store.exists(username):
            continue
        account = create_account(store, settings, {
            "username": username, "password": DEMO_PASSWORD, "role": role, "department": department,
            "display_name": display_name, "phone": "13800138000" if role == "applicant" else None,
            "work_no": WORK_NUMBERS.get(username),
        })
        created.append(username)
        api_key = account.get("api_key", api_key)
    return created, api_key


def count_items() -> int | None:
    client = RpcClient(setting("AMQP_URI"), timeout=10)
    try:
        return len(client.call(contracts.Intake.SERVICE, contracts.Intake.LIST_ITEMS))
    except Exception as exc:
        print(f"catalogue not counted: {exc}", file=sys.stderr)
        return None
    finally:
        client.close()


def seed_letters() -> list[str]:
    """One letter of authority per demo department, unless it has one already."""
    from services.common.policy import LETTER_ACTIONS

    client = RpcClient(setting("AMQP_URI"), timeout=10)
    issued = []
    try:
        items = client.call(contracts.Intake.SERVICE, contracts.Intake.LIST_ITEMS)
        for department, (admin, a_account, b_account) in DEMO_LETTERS.items():
            if client.call(contracts.Approval.SERVICE, contracts.Approval.LIST_DELEGATIONS, department):
                continue
            codes = [item["code"] for item in items if item["department"] == department]
            actor = {"username": admin, "role": "department_admin", "department": department, "display_name": admin}
            client.call(contracts.Approval.SERVICE, contracts.Approval.ISSUE_DELEGATION, {
                "department": department, "a_account": a_account, "b_account": b_account,
                "items": [{"item_code": code, "actions": list(LETTER_ACTIONS)} for code in codes]}, actor)
            issued.append(department)
    except Exception as exc:
        print(f"letters of authority not seeded: {exc}", file=sys.stderr)
    finally:
        client.close()
    return issued


def main() -> None:
    settings = GatewaySettings.from_env()
    store = AccountStore(MongoClient(setting("MONGO_URI"), tz_aware=True)[database_name("gateway")])
    store.ensure_indexes()
    ensure_admin(store, settings)
    created, api_key = seed_accounts(store, settings)
    for username in created:
        print(f"created demo account {username}")
    if api_key:
        print(f"API key of 'province' (shown once, keep it): {api_key}")
    letters = seed_letters()
    for department in letters:
        print(f"issued the demo letter of authority of {department}")
    summary = {
        "accounts": [username for username, *_ in DEMO_ACCOUNTS],
        "letters": letters,
        "created": created,
        "demo_password": DEMO_PASSWORD,
        "items": count_items(),
        "api_key": api_key,
    }
    print(json.dumps(summary, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
