"""The complaint lifecycle (有诉必理): received → assigned → investigating →
concluded → replied → closed, each step timed in working days.

A step returns the new fields and a history entry; nothing is ever deleted.
A substantiated conclusion against a person yields an accountability record.
"""
import datetime as dt
from dataclasses import dataclass, field

from services.common import policy
from services.common.errors import Conflict, Forbidden, InvalidInput, field_error
from services.evaluation import timing

RECEIVED, ASSIGNED, INVESTIGATING, CONCLUDED, REPLIED, CLOSED = (
    "received", "assigned", "investigating", "concluded", "replied", "closed")
STATUSES = (RECEIVED, ASSIGNED, INVESTIGATING, CONCLUDED, REPLIED, CLOSED)
STATUS_LABELS = {RECEIVED: "已登记", ASSIGNED: "已交办", INVESTIGATING: "调查中", CONCLUDED: "已认定",
                 REPLIED: "已答复", CLOSED: "已办结"}
# action: (from status, to status)
ACTIONS = {
    "assign": (RECEIVED, ASSIGNED),
    "investigate": (ASSIGNED, INVESTIGATING),
    "conclude": (INVESTIGATING, CONCLUDED),
    "reply": (CONCLUDED, REPLIED),
    "close": (REPLIED, CLOSED),
}
# Working days the complaint may stay in each status before its next step (configurable).
DEFAULT_LIMITS = {RECEIVED: 1, ASSIGNED: 2, INVESTIGATING: 10, CONCLUDED: 2, REPLIED: 3}
TEXT_MAX = 5000


@dataclass(frozen=True)
class ComplaintStep:
    status: str
    changes: dict
    entry: dict
    accountability: dict | None = field(default=None)


def parse_limits(raw: str | None) -> dict:
    """`received=1,investigating=10` over the defaults; a bad entry raises ValueError."""
    limits = dict(DEFAULT_LIMITS)
    for part in filter(None, (raw or "").split(",")):
        name, _, value = part.partition("=")
        if name.strip() not in limits or not value.strip().isdigit():
            raise ValueError(f"bad complaint step limit: {part!r}")
        limits[name.strip()] = int(value)
    return limits


def due_for(status: str, entered_on: dt.date, limits: dict) -> str | None:
    if status not in limits:
        return None
    return timing.due_date(entered_on, limits[status]).isoformat()


def check_actor(actor: dict, complaint: dict) -> None:
    """Supervisors, or staff of the department complained about, move a complaint on."""
    if policy.may_work_on_department_matter(actor or {}, complaint.get("department")):
        return
    raise Forbidden("只有督查人员或被投诉部门的工作人员可以办理投诉")


def _text(params: dict, name: str, label: str, errors: list, required: bool = True) -> str | None:
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        errors.append(field_error(name, f"{label}须为文本"))
        return None
    value = (value or "").strip() or None
    if required and not value:
        errors.append(field_error(name, f"{label}不能为空"))
    elif value and len(value) > TEXT_MAX:
        errors.append(field_error(name, f"{label}不能超过 {TEXT_MAX} 字"))
    return value


def _params(action: str, params: dict) -> dict:
    """The action's own fields, every bad one named at once."""
    errors, fields = [], {}
    if action == "assign":
        fields["assigned_to"] = _text(params, "to", "承办人", errors)
    elif action == "conclude":
        substantiated = params.get("substantiated")
        if not isinstance(substantiated, bool):
            errors.append(field_error("substantiated", "须说明投诉是否属实（true 或 false）"))
        fields["substantiated"] = substantiated
        fields["findings"] = _text(params, "findings", "调查结论", errors)
        fields["against"] = _text(params, "staff", "被投诉人", errors, required=False)
    elif action == "reply":
        fields["reply"] = _text(params, "text", "答复内容", errors)
    fields["comment"] = _text(params, "comment", "备注", errors, required=False)
    if errors:
        raise InvalidInput("投诉办理信息有误", errors)
    return fields


def apply(complaint: dict, action: str, actor: dict, params: dict, now: dt.datetime, today: dt.date,
          limits: dict) -> ComplaintStep:
    """One step of the lifecycle; 409 out of order, 422 on bad fields, 403 for the wrong person."""
    if action not in ACTIONS:
        raise InvalidInput("投诉办理动作无效", [field_error("action", f"须为 {'、'.join(ACTIONS)} 之一")])
    check_actor(actor, complaint)
    source, target = ACTIONS[action]
    if complaint["status"] != source:
        raise Conflict(f"投诉当前状态为“{STATUS_LABELS[complaint['status']]}”，不能执行 {action}")
    fields = _params(action, params or {})
    comment = fields.pop("comment")
    changes = {"status": target, "status_since": today.isoformat(), "due": due_for(target, today, limits),
               **{k: v for k, v in fields.items()}}
    if target == CLOSED:
        changes["closed_on"] = today.isoformat()
    entry = {"at": now.isoformat(), "status": target, "action": action, "actor": actor.get("username"),
             "actor_role": actor.get("role"), **({"comment": comment} if comment else {}),
             **{k: v for k, v in fields.items() if k in ("assigned_to", "substantiated", "against")}}
    record = None
    if action == "conclude" and fields["substantiated"]:
        record = {
            "_id": f"complaint:{complaint['_id']}", "source": "complaint", "ref": complaint["_id"],
            "username": fields["against"], "department": complaint["department"],
            "reason": f"投诉属实：{complaint['subject']}", "date": today.isoformat(),
            "recorded_by": actor.get("username"),
        }
    return ComplaintStep(target, changes, entry, record)


def supervision(complaint: dict, today: dt.date) -> dict:
    """The colour of the step the complaint waits in (closed ones are green)."""
    due = complaint.get("due")
    if complaint.get("status") == CLOSED or not due:
        return timing.state(today, None)
    return timing.state(today, dt.date.fromisoformat(due))
