"""The case state machine (办件审批流程): which action is legal in which status, and what it changes.

`apply(case, action, actor, params, today)` checks the status and the
parameters, and returns the `Step` to store; it never touches a database. Who
may act is the authorisation policy's (services/common/policy.py), asked before.
The case is the stored document (status, department, item snapshot, clock,
joint signatures, inspection).
"""
import datetime as dt
from dataclasses import dataclass, field

from services.approval.items import has_licence, is_escalated, is_joint, joint_departments, needs_inspection
from services.approval.labels import ACTION_NAMES, STATUS_NAMES
from services.common.calendar import parse_date
from services.common.errors import Conflict, InvalidInput, field_error
from services.common.policy import RESERVED_PROCEDURES

# Open: still under review, the clock runs.
OPEN = ("accepted", "in_review", "site_inspection", "joint_review", "escalated")
ALLOWED_FROM = {
    "start_review": ("accepted",),
    "schedule_inspection": ("in_review",),
    "record_inspection": ("in_review", "site_inspection"),
    "sign_joint": ("joint_review",),
    "escalate": ("in_review",),
    "record_higher_decision": ("escalated",),
    "approve": ("in_review",),
    "deny": ("in_review", "site_inspection"),
    "pause_clock": OPEN,
    "resume_clock": OPEN,
    "issue_certificate": ("approved",),
    "deliver": ("certificate_issued", "approved", "denied"),
    "withdraw": OPEN,
    "refer": OPEN,
    "extend": OPEN,
    "mark_urgent": OPEN + ("approved", "denied", "certificate_issued"),
}
# Pauses the law does not count (补正, 检验检测, 专家评审, 听证); the applicant is told how long.
PAUSE_KINDS = {"supplement": "补正", "testing": "检验检测", "expert_review": "专家评审", "hearing": "听证",
               "other": "其他"}
DEFAULT_PAUSE_DAYS = 20   # days the applicant is told a pause lasts when staff name none
EXTENSION_DAYS, JOINT_EXTENSION_DAYS = 10, 15
ACTIONS = tuple(ALLOWED_FROM)
CLOSING_ACTIONS = ("deliver", "withdraw")


@dataclass(frozen=True)
class Step:
    """The outcome of one legal action: the new status and the case fields it sets."""

    action: str
    previous_status: str
    status: str
    changes: dict = field(default_factory=dict)
    comment: str | None = None
    decision: dict | None = None  # {"result","reason","decided_on","decided_by"} when the case is decided

    @property
    def closes(self) -> bool:
        return self.action in CLOSING_ACTIONS


# --- the state machine ----------------------------------------------------------

def apply(case: dict, action: str, actor: dict, params: dict | None, today: dt.date) -> Step:
    params = params or {}
    if not isinstance(params, dict):
        raise InvalidInput("参数有误", [field_error("params", "须为对象")])
    if action not in ALLOWED_FROM:
        raise InvalidInput("未知的操作", [field_error("action", f"不支持的操作：{action}")])
    status = case["status"]
    if status not in ALLOWED_FROM[action]:
        raise Conflict(
            f"办件当前状态为「{STATUS_NAMES.get(status, status)}」，不能执行「{ACTION_NAMES[action]}」"
            f"（{status} → {action}）"
        )
    return _HANDLERS[action](case, actor, params, today)


def _step(case, action, status, changes=None, comment=None, decision=None) -> Step:
    return Step(action, case["status"], status, changes or {}, comment, decision)


def _comment(params: dict) -> str | None:
    text = params.get("comment") or params.get("reason")
    return text.strip() if isinstance(text, str) and text.strip() else None


def _required_comment(params: dict, message: str) -> str:
    comment = _comment(params)
    if not comment:
        raise InvalidInput(message, [field_error("comment", message)])
    return comment


def _refuse(message: str):
    raise Conflict(message)


def _start_review(case, actor, params, today):
    status = "joint_review" if is_joint(case["item"]) else "in_review"
    return _step(case, "start_review", status, comment=_comment(params))


def _schedule_inspection(case, actor, params, today):
    return _step(case, "schedule_inspection", "site_inspection", comment=_comment(params))


def _record_inspection(case, actor, params, today):
    result = params.get("result")
    if result not in ("passed", "failed"):
        raise InvalidInput("现场检查结果有误", [field_error("result", "须为 passed（合格）或 failed（不合格）")])
    inspection = {"result": result, "on": today.isoformat(), "by": actor.get("username")}
    return _step(case, "record_inspection", "in_review", {"inspection": inspection}, _comment(params))


def _sign_joint(case, actor, params, today):
    department = actor.get("department")
    required = joint_departments(case)
    if department not in required:
        raise InvalidInput("会签部门有误", [field_error("department", "须为本办件的联办部门之一")])
    signatures = list(case.get("joint_signatures") or [])
    if any(s["department"] == department for s in signatures):
        _refuse(f"部门 {department} 已会签")
    signatures.append({"department": department, "by": actor.get("username"), "on": today.isoformat()})
    signed = {s["department"] for s in signatures}
    status = "in_review" if required <= signed else "joint_review"
    return _step(case, "sign_joint", status, {"joint_signatures": signatures}, _comment(params))


def _escalate(case, actor, params, today):
    if not is_escalated(case["item"]):
        _refuse("该事项不是上报件，不能上报")
    return _step(case, "escalate", "escalated", comment=_comment(params))


def _decided(case, actor, action, result, reason, today, comment=None) -> Step:
    decision = {"result": result, "reason": reason, "decided_on": today.isoformat(),
                "decided_by": actor.get("username")}
    changes = {"decision": decision, "clock": _stopped(case.get("clock"), today)}
    return _step(case, action, result, changes, comment or reason, decision)


def _record_higher_decision(case, actor, params, today):
    result = params.get("result")
    if result not in ("approved", "denied"):
        raise InvalidInput("上级机关决定有误", [field_error("result", "须为 approved（准予）或 denied（不予）")])
    reason = _required_comment(params, "不予许可须说明理由") if result == "denied" else _comment(params)
    return _decided(case, actor, "record_higher_decision", result, reason, today)


def _approve(case, actor, params, today):
    item = case["item"]
    if is_escalated(item):
        _refuse("上报件由上级机关决定，请登记上级机关决定")
    if needs_inspection(item) and (case.get("inspection") or {}).get("result") != "passed":
        _refuse("该事项须现场检查合格后方可准予许可")
    return _decided(case, actor, "approve", "approved", None, today, _comment(params))


def _deny(case, actor, params, today):
    reason = _required_comment(params, "不予许可须说明理由")
    return _decided(case, actor, "deny", "denied", reason, today)


def _when(params: dict, default: dt.date, earliest: dt.date, today: dt.date) -> dt.date:
    """The date a pause or resumption took effect (params["on"], default today)."""
    if params.get("on") in (None, ""):
        return default
    try:
        day = parse_date(params["on"])
    except (TypeError, ValueError):
        raise InvalidInput("日期有误", [field_error("on", "日期格式须为 YYYY-MM-DD")]) from None
    if not earliest <= day <= today:
        raise InvalidInput("日期有误", [field_error("on", f"须在 {earliest.isoformat()} 至 {today.isoformat()} 之间")])
    return day


def _pause_clock(case, actor, params, today):
    """The clock stops today, never on an earlier day; the applicant is told how long the pause lasts."""
    clock = case.get("clock") or {}
    if clock.get("paused"):
        _refuse("计时已暂停")
    reason = _required_comment(params, "请说明暂停计时的原因")
    errors = []
    if params.get("on") not in (None, "", today.isoformat()):
        errors.append(field_error("on", f"暂停计时只能从今天（{today.isoformat()}）开始，不能倒签"))
    kind = params.get("kind") or "other"
    if kind not in PAUSE_KINDS:
        errors.append(field_error("kind", "须为 " + "、".join(f"{k}（{v}）" for k, v in PAUSE_KINDS.items())))
    days = params.get("expected_days", DEFAULT_PAUSE_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        errors.append(field_error("expected_days", "须告知申请人暂停的期限：1–365 之间的整数（日）"))
    if errors:
        raise InvalidInput("暂停计时参数有误", errors)
    pause = {"from": today.isoformat(), "to": None, "reason": reason, "kind": kind, "expected_days": days}
    pauses = list(clock.get("pauses") or []) + [pause]
    return _step(case, "pause_clock", case["status"], {"clock": {"paused": True, "pauses": pauses}}, reason)


def _resume_clock(case, actor, params, today):
    clock = case.get("clock") or {}
    if not clock.get("paused"):
        _refuse("计时未暂停，无需恢复")
    pauses = [dict(p) for p in clock.get("pauses") or []]
    end = _when(params, today, parse_date(pauses[-1]["from"]), today)
    pauses[-1]["to"] = end.isoformat()
    return _step(case, "resume_clock", case["status"], {"clock": {"paused": False, "pauses": pauses}},
                 _comment(params))


def _stopped(clock: dict | None, today: dt.date) -> dict:
    """The clock stops at a decision: an open pause ends there."""
    clock = clock or {}
    pauses = [dict(p) for p in clock.get("pauses") or []]
    if clock.get("paused") and pauses:
        pauses[-1]["to"] = today.isoformat()
    return {"paused": False, "pauses": pauses, "stopped_on": today.isoformat()}


def _issue_certificate(case, actor, params, today):
    if not has_licence(case["item"]):
        _refuse("该事项不颁发许可证")
    return _step(case, "issue_certificate", "certificate_issued", comment=_comment(params))


def _deliver(case, actor, params, today):
    if case["status"] == "approved" and has_licence(case["item"]):
        _refuse("该事项须先发证再送达")
    return _step(case, "deliver", "closed", comment=_comment(params))


def _withdraw(case, actor, params, today):
    return _step(case, "withdraw", "withdrawn", {"clock": _stopped(case.get("clock"), today)}, _comment(params))


def _refer(case, actor, params, today):
    """集体讨论, 专家论证, 听证: the law keeps these from delegation; the department decides."""
    procedure = params.get("procedure")
    if procedure not in RESERVED_PROCEDURES:
        raise InvalidInput("转部门决定参数有误", [field_error(
            "procedure", "须为 " + "、".join(f"{k}（{v}）" for k, v in RESERVED_PROCEDURES.items()))])
    if case.get("referred"):
        _refuse("办件已转部门决定")
    referred = {"procedure": procedure, "on": today.isoformat(), "by": actor.get("username")}
    return _step(case, "refer", case["status"], {"referred": referred}, _comment(params))


def _extend(case, actor, params, today):
    """The law's extension (延期): once per case, 10 working days (15 for joint cases), reason told."""
    if case.get("extension"):
        _refuse("办件已延期一次，不能再次延期")
    limit = JOINT_EXTENSION_DAYS if is_joint(case["item"]) else EXTENSION_DAYS
    days = params.get("days", limit)
    errors = []
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= limit:
        errors.append(field_error("days", f"延长期限须为 1–{limit} 个工作日"))
    reason = _comment(params)
    if not reason:
        errors.append(field_error("reason", "须说明延期理由（将告知申请人）"))
    if errors:
        raise InvalidInput("延期参数有误", errors)
    extension = {"days": days, "reason": reason, "on": today.isoformat(), "by": actor.get("username")}
    return _step(case, "extend", case["status"], {"extension": extension}, reason)


def _mark_urgent(case, actor, params, today):
    """绿色通道: the centre marks a case urgent; it sorts first in every queue."""
    if case.get("urgent"):
        _refuse("办件已在绿色通道中")
    return _step(case, "mark_urgent", case["status"], {"urgent": True, "urgent_on": today.isoformat()},
                 _comment(params))


def legal_actions(case: dict) -> list[str]:
    """The actions the case's status allows (who may take them is the policy's question)."""
    return [action for action, statuses in ALLOWED_FROM.items() if case["status"] in statuses]


_HANDLERS = {
    "start_review": _start_review,
    "schedule_inspection": _schedule_inspection,
    "record_inspection": _record_inspection,
    "sign_joint": _sign_joint,
    "escalate": _escalate,
    "record_higher_decision": _record_higher_decision,
    "approve": _approve,
    "deny": _deny,
    "pause_clock": _pause_clock,
    "resume_clock": _resume_clock,
    "issue_certificate": _issue_certificate,
    "deliver": _deliver,
    "withdraw": _withdraw,
    "refer": _refer,
    "extend": _extend,
    "mark_urgent": _mark_urgent,
}
