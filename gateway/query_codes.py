"""Access by case number and query code (查询码), without an account: the code is checked by intake,
wrong codes and unknown cases answer the same 404, and guessing is rate limited."""
from gateway.access import STAFF_ROLES
from gateway.guesses import GuessLimiter
from services.common.contracts import Intake
from services.common.errors import NotFound

_limiters: dict[int, GuessLimiter] = {}


def limiter(store) -> GuessLimiter:
    """One limiter per account store (the gateway's database), made on first use."""
    key = id(store)
    if key not in _limiters:
        _limiters[key] = GuessLimiter(store.accounts.database["query_code_guesses"])
    return _limiters[key]


def verify(resource, req, case_no: str, code) -> None:
    """Raise 404 unless `code` is the case's query code; 429 after too many wrong guesses."""
    guesses = limiter(resource.deps.store)
    address = req.remote_addr or "-"
    guesses.check(case_no, address)
    try:
        if isinstance(code, str) and code and resource.call(req, Intake.SERVICE, Intake.CHECK_QUERY_CODE,
                                                            case_no, code.strip().upper()):
            return
    except NotFound:
        pass
    guesses.wrong(case_no, address)
    raise NotFound(f"办件 {case_no} 不存在或查询码不正确")


def code_holder(case_no: str) -> dict:
    """The actor for one who proved to hold the case's query code (evaluation lets it rate that case only)."""
    return {"username": f"case:{case_no}", "role": "applicant", "via": "query_code", "department": None,
            "display_name": "查询码持有人"}


def shown_to(actor: dict, case: dict) -> dict:
    """The case view with `query_code` for its applicant, its api_client and staff; hidden from others."""
    notice = dict(case.get("notice") or {})
    code = case.get("query_code") or notice.get("query_code")
    if actor["role"] in ("applicant", "api_client", *STAFF_ROLES):
        return {**case, "query_code": code} if code else case
    notice.pop("query_code", None)
    if isinstance(notice.get("text"), str):
        notice["text"] = "\n".join(line for line in notice["text"].split("\n") if not line.startswith("查询码"))
    hidden = {**case, "notice": notice or case.get("notice")}
    hidden.pop("query_code", None)
    return hidden
