"""The events one workflow step announces (built here, published through the outbox)."""
import datetime as dt

from services.approval.workflow import Step
from services.common import contracts


def case_fields(case: dict) -> dict:
    return {name: case.get(name) for name in contracts.CASE_FIELDS}


def step_events(case: dict, step: Step, actor: dict, request_id: str | None, today: dt.date,
                certificate: dict | None = None) -> list[dict]:
    """case_status_changed always; case_decided, certificate_issued, case_closed when the step is one."""
    fields = case_fields(case)
    events = [contracts.event(
        contracts.CASE_STATUS_CHANGED, request_id=request_id, **fields,
        status=step.status, previous_status=step.previous_status, action=step.action, actor_role=actor.get("role"),
        actor=actor.get("username"), detail=step_detail(case, step),
    )]
    if step.decision:
        events.append(decided_event(case, case.get("decision") or step.decision, request_id))
    if certificate:
        events.append(contracts.event(
            contracts.CERTIFICATE_ISSUED, request_id=request_id, **fields,
            certificate_no=certificate["certificate_no"], valid_from=certificate["valid_from"],
            valid_until=certificate["valid_until"], holder_name=certificate["holder_name"],
        ))
    if step.closes:
        events.append(contracts.event(
            contracts.CASE_CLOSED, request_id=request_id, **fields,
            status=step.status, closed_on=today.isoformat(),
        ))
    return events


def step_detail(case: dict, step: Step) -> dict | None:
    """What the applicant is told in writing: how long a pause lasts, why the limit was extended."""
    if step.action == "pause_clock":
        pause = (step.changes.get("clock") or {}).get("pauses", [{}])[-1]
        return {"kind": pause.get("kind"), "expected_days": pause.get("expected_days"), "reason": pause.get("reason"),
                "from": pause.get("from"), "deadlines": case.get("deadlines")}
    if step.action == "extend":
        return {**step.changes["extension"], "deadlines": case.get("deadlines")}
    return None


def alert_event(case: dict, row: dict, request_id: str | None) -> dict:
    """电子监察: a deadline of the case turned yellow or red."""
    return contracts.event(
        contracts.SUPERVISION_ALERT, request_id=request_id, **case_fields(case),
        state=row["state"], stage=row["stage"], deadline=row["stage_deadline"], responsible=case.get("holder"),
        remaining_working_days=row["remaining_working_days"],
    )


def decided_event(case: dict, decision: dict, request_id: str | None) -> dict:
    """准予 / 不予许可, with the facts evaluation measures: on time (by the promised date) and early."""
    deadlines = case.get("deadlines") or {}
    promised = deadlines.get("promised")
    decided_on = decision["decided_on"]
    return contracts.event(
        contracts.CASE_DECIDED, request_id=request_id, **case_fields(case),
        result=decision["result"], reason=decision.get("reason"), decided_on=decided_on,
        accepted_on=case["accepted_on"], deadlines=deadlines, used_working_days=decision.get("used_working_days"),
        on_time=bool(promised) and decided_on <= promised, early=bool(promised) and decided_on < promised,
        decided_by=decision.get("decided_by"),
    )
