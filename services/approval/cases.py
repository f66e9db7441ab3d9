"""The approval case (办件): the document opened from an accepted application, and its view.

The view has the same keys as intake.get_application (see contracts): the
gateway returns either unchanged.
"""
import datetime as dt

from services.approval import stages
from services.approval.items import is_joint, joint_departments
from services.approval.workflow import OPEN, Step, legal_actions
from services.common import contracts, policy, supervision
from services.common.calendar import parse_date
from services.common.clock import Pause, WorkingDayClock
from services.common.errors import InvalidInput, field_error
from services.common.masking import mask_id_number, mask_phone

SENSITIVE = {"id_number": mask_id_number, "phone": mask_phone, "mobile": mask_phone}


def masked(value):
    """A copy of the applicant with every ID number and phone masked, at any depth."""
    if isinstance(value, dict):
        return {k: SENSITIVE[k](v) if k in SENSITIVE and isinstance(v, str) else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def _day_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3650


def check_accepted(payload: dict) -> dict:
    """The accepted-application payload, checked; every bad field reported at once."""
    errors = []
    if not isinstance(payload, dict):
        raise InvalidInput("受理数据有误", [field_error("payload", "须为对象")])
    for name in ("case_no", "item_code", "department"):
        if not isinstance(payload.get(name), str) or not payload.get(name):
            errors.append(field_error(name, "不能为空"))
    try:
        parse_date(payload.get("accepted_on"))
    except (TypeError, ValueError):
        errors.append(field_error("accepted_on", "日期格式须为 YYYY-MM-DD"))
    item = payload.get("item")
    if not isinstance(item, dict):
        errors.append(field_error("item", "缺少事项信息"))
    else:
        for name in ("promised_days", "statutory_days"):
            if not _day_count(item.get(name)):
                errors.append(field_error(f"item.{name}", "须为 0–3650 之间的整数"))
    if errors:
        raise InvalidInput("受理数据有误", errors)
    return payload


def received_by(first_contact: dict | None) -> dict | None:
    """首问负责: the staff member who first received the case, by username and work number."""
    if not first_contact:
        return None
    return {"username": first_contact.get("username"), "work_no": first_contact.get("work_no"),
            "display_name": first_contact.get("display_name")}


def new_case(payload: dict, deadlines: dict, now: str) -> dict:
    """The case document approval stores when it takes a case over at acceptance."""
    item = dict(payload["item"])
    first_contact = payload.get("first_contact")
    return {
        "_id": payload["case_no"],
        "version": 1,
        **{name: payload.get(name) for name in contracts.CASE_FIELDS},
        "applicant": masked(payload.get("applicant") or {}),
        "first_contact": payload.get("first_contact"),
        "notice": payload.get("notice"),
        "missing": payload.get("missing") or [],
        "item": item,
        "licence_of": payload.get("licence_of"),  # 延续/变更/补办: the licence named (else asked of intake)
        "received_at": payload.get("received_at"),
        "accepted_at": payload.get("accepted_at"),
        "accepted_on": parse_date(payload["accepted_on"]).isoformat(),
        "status": "accepted",
        "departments": sorted(joint_departments({"item": item, "department": payload["department"]}))
        if is_joint(item) else [payload["department"]],
        "stage_since": parse_date(payload["accepted_on"]).isoformat(),
        "holder": (first_contact or {}).get("username"),
        "received_by": received_by(first_contact),
        "urgent": False,
        "deadlines": deadlines,
        "clock": {"paused": False, "pauses": []},
        "intake_history": list(payload.get("history") or []),
        "history": [],
        "created_at": now,
        "updated_at": now,
    }


def pauses_of(case: dict) -> list[Pause]:
    return [Pause(parse_date(p["from"]), parse_date(p["to"]) if p.get("to") else None)
            for p in (case.get("clock") or {}).get("pauses") or []]


def deadlines_of(case: dict, clock: WorkingDayClock, as_of: dt.date) -> dict:
    """Promised and statutory deadlines from the acceptance date, pushed out by every pause."""
    item, extra = case["item"], (case.get("extension") or {}).get("days", 0)
    return clock.deadlines(parse_date(case["accepted_on"]), item["promised_days"] + extra,
                           item["statutory_days"] + extra, pauses_of(case), as_of)


def used_working_days(case: dict, clock: WorkingDayClock, today: dt.date) -> int:
    """Working days the clock ran: up to the decision (or withdrawal), else up to today."""
    stopped = (case.get("clock") or {}).get("stopped_on")
    end = parse_date(stopped) if stopped else today
    return clock.working_days_used(parse_date(case["accepted_on"]), end, pauses_of(case)).value


def advanced(case: dict, step: Step, clock: WorkingDayClock, today: dt.date, actor: dict | None = None) -> dict:
    """The case after `step`: deadlines re-counted while it was open (pauses push them out),
    a decision carries the working days it took, and the window staff member who acted holds it."""
    after = {**case, **step.changes, "status": step.status}
    if (actor or {}).get("role") in policy.WINDOW_ROLES:
        after["holder"] = actor.get("username")
    if step.status != step.previous_status:
        after["stage_since"] = today.isoformat()
    if step.previous_status in OPEN:
        after["deadlines"] = deadlines_of(after, clock, today)
    if step.decision:
        after["decision"] = {**step.decision, "used_working_days": used_working_days(after, clock, today)}
    return after


def changed_fields(after: dict, step: Step) -> dict:
    """The fields a step writes, for one version-guarded $set."""
    names = ("status", "deadlines", "decision", "certificate_no", "stage_since", "holder", *step.changes)
    return {name: after[name] for name in names if name in after}


def history_entry(step: Step, actor: dict, at: str) -> dict:
    entry = {"at": at, "status": step.status, "action": step.action, "actor_role": actor.get("role"),
             "actor": actor.get("username"), "actor_work_no": actor.get("work_no")}
    if step.comment:
        entry["comment"] = step.comment
    return entry


def supervision_of(case: dict, clock: WorkingDayClock, today: dt.date) -> dict:
    """电子监察 as it stands: the most urgent of the case's deadlines; while paused, the deadlines as they stand."""
    pauses = pauses_of(case)
    return supervision.assess(clock, today, stages.watched(case, clock, today, pauses), pauses)


def alerts_of(case: dict, clock: WorkingDayClock, today: dt.date) -> list[dict]:
    """Every watched deadline now yellow or red (the timer announces each once)."""
    pauses = pauses_of(case)
    rows = supervision.assess_all(clock, today, stages.watched(case, clock, today, pauses), pauses)
    return [row for row in rows if row["state"] != "green"]


# Statuses with a deadline to watch (the decision's, or the licence's issue after it).
WATCHED = OPEN + ("approved", "denied", "certificate_issued")
# A case's `scanned_on`, for the deadline scan: the centre date it was last looked at, RESCAN when it must
# be looked at again (it changed, with an alert to announce), UNWATCHED once it has no deadline left to
# watch. Dates and RESCAN sort below UNWATCHED, so the cases due are one bounded range of an index.
RESCAN, UNWATCHED = "", "~"


def scan_mark(status: str, state: str, today: dt.date) -> str:
    """`scanned_on` for a case whose listing is written now, from its status and supervision state: a green
    case has no alert to announce and needs no scan before the next centre day (its deadlines count in
    working days); a yellow or red one (its most urgent deadline, so it has an alert) is left to the scan,
    which announces each alert once."""
    if status not in WATCHED:
        return UNWATCHED
    return RESCAN if state != "green" else today.isoformat()


def policy_case(case: dict) -> dict:
    """What the authorisation policy reads of a case."""
    return {"department": case["department"], "item_code": case["item_code"], "status": case["status"],
            "joint_departments": sorted(joint_departments(case)) if is_joint(case["item"]) else [],
            "referred": case.get("referred")}


def allowed_for(case: dict, actor: dict | None, authority: dict | None, today: dt.date) -> list[str]:
    if not actor:
        return []
    return policy.allowed_actions(actor, policy_case(case), legal_actions(case), authority, today)


def list_fields(case: dict, clock: WorkingDayClock, today: dt.date) -> dict:
    """The fields a queue sorts and filters on, and the deadline scan's mark, stored with every change."""
    state = supervision_of(case, clock, today)
    return {"supervision_state": state["state"],
            "sort_key": supervision.sort_key(bool(case.get("urgent")), state, case["case_no"]),
            "scanned_on": scan_mark(case["status"], state["state"], today)}


def case_view(case: dict, clock: WorkingDayClock, today: dt.date, actor: dict | None = None,
              authority: dict | None = None) -> dict:
    view = {
        **{name: case.get(name) for name in contracts.CASE_FIELDS},
        "status": case["status"],
        "applicant": case.get("applicant") or {},
        "missing": case.get("missing") or [],
        "deadlines": case.get("deadlines"),
        "clock": {"paused": bool((case.get("clock") or {}).get("paused")),
                  "used_working_days": used_working_days(case, clock, today)},
        "history": list(case.get("intake_history") or []) + list(case.get("history") or []),
        "notice": case.get("notice"),
        "first_contact": case.get("first_contact"),
        "accepted_on": case["accepted_on"],
        "received_by": case.get("received_by") or received_by(case.get("first_contact")),
        "holder": case.get("holder"),
        "urgent": bool(case.get("urgent")),
        "supervision": supervision_of(case, clock, today),
        "allowed_actions": allowed_for(case, actor, authority, today),
        "updated_at": case.get("updated_at"),
    }
    for name in ("extension", "referred"):
        if case.get(name):
            view[name] = case[name]
    if (case.get("clock") or {}).get("paused"):
        view["clock"]["pause"] = ((case.get("clock") or {}).get("pauses") or [{}])[-1]
    if is_joint(case["item"]):  # 联办: who must sign, who has
        view["joint"] = {"departments": sorted(joint_departments(case)),
                         "signed": [s["department"] for s in case.get("joint_signatures") or []]}
    if case.get("decision"):
        view["decision"] = case["decision"]
    if case.get("certificate_no"):
        view["certificate_no"] = case["certificate_no"]
    return view
