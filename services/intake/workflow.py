"""What happens to an application before approval takes it over: receipt,
online pre-review (网上预审), one-time notice (一次性告知), supplement (补正),
acceptance (受理) or refusal (不予受理).

Functions change the record in place and return the events to publish as
(event_type, fields) pairs; the service stores both in one write.
"""
import datetime as dt

from services.common import contracts
from services.common.errors import Conflict, InvalidInput, field_error
from services.intake import notices
from services.intake.catalogue import snapshot
from services.intake.completeness import Completeness
from services.intake.privacy import applicant_view
from services.intake.records import case_fields, first_contact_of, history_entry

# Fields a transition may change (the service $sets them together).
MUTABLE = ("status", "materials", "pledges", "missing", "notice", "deadlines", "accepted_at", "accepted_on",
           "first_contact", "history")
# action -> statuses it may start from
ALLOWED_FROM = {
    "accept": ("pre_review",),
    "refuse": ("pre_review", "awaiting_supplement"),
    "supplement": ("awaiting_supplement",),
}
STATUS_NAMES = {"received": "已接收", "pre_review": "网上预审", "awaiting_supplement": "待补正",
                "accepted": "已受理", "refused": "不予受理", "withdrawn": "已撤回"}


def require_action(record: dict, action: str) -> None:
    status = STATUS_NAMES.get(record["status"], record["status"])
    if action not in ALLOWED_FROM:
        raise Conflict(f"受理环节不能执行操作「{action}」（办件状态：{status}）")
    if record["status"] not in ALLOWED_FROM[action]:
        raise Conflict(f"办件当前状态为「{status}」，不能执行「{action}」")


def _step(record: dict, status: str, action: str, at: str, actor: dict, comment: str | None = None) -> None:
    record["status"] = status
    record["history"] = [*record["history"], history_entry(at, status, action, actor, comment)]
    if record.get("first_contact") is None:
        record["first_contact"] = first_contact_of(actor)


def received_event(record: dict) -> tuple[str, dict]:
    return contracts.APPLICATION_RECEIVED, {
        **case_fields(record), "received_at": record["received_at"], "status": record["status"]}


def to_pre_review(record: dict, at: str, actor: dict) -> list:
    _step(record, "pre_review", "submit", at, actor)
    return []


def issue_one_time_notice(record: dict, result: Completeness, at: str, today: str, actor: dict, action: str) -> list:
    record["missing"], record["pledges"] = result.missing, result.pledged
    record["notice"] = notices.one_time_notice(record, result.missing, today)
    _step(record, "awaiting_supplement", action, at, actor)
    return [(contracts.ONE_TIME_NOTICE_ISSUED,
             {**case_fields(record), "missing": result.missing, "notice": record["notice"]})]


def deadlines_for(record: dict, today: str, clock) -> dict:
    """承诺/法定时限 in working days from the day of acceptance (not counted), on the shared clock
    (a WorkingDayClock, or anything with its `deadlines(start, promised_days, statutory_days)`)."""
    item = record["item"]
    return clock.deadlines(dt.date.fromisoformat(today), item["promised_days"], item["statutory_days"])


def accept(record: dict, result: Completeness, at: str, today: str, actor: dict, action: str, clock) -> dict:
    """Accept a complete application, with its deadlines; returns the application_accepted fields."""
    deadlines = deadlines_for(record, today, clock)
    record.update(missing=[], pledges=result.pledged, accepted_at=at, accepted_on=today, deadlines=deadlines)
    record["notice"] = notices.acceptance_notice(record, today, deadlines, result.pledged)
    _step(record, "accepted", action, at, actor)
    return {
        **case_fields(record), "received_at": record["received_at"], "accepted_at": at, "accepted_on": today,
        "item": snapshot(record["item"]), "deadlines": deadlines, "applicant": applicant_view(record["applicant"]),
        "first_contact": record["first_contact"], "history": record["history"], "notice": record["notice"],
    }


def refusal_reason(params: dict | None) -> str:
    params = params or {}
    reason = params.get("comment") or params.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("不予受理须说明理由", [field_error("comment", "请填写不予受理的理由")])
    return reason.strip()


def refuse(record: dict, reason: str, at: str, today: str, actor: dict) -> list:
    record["notice"] = notices.refusal_notice(record, reason, today)
    _step(record, "refused", "refuse", at, actor, reason)
    return [(contracts.APPLICATION_REFUSED, {**case_fields(record), "reason": reason, "notice": record["notice"],
                                             "actor": actor.get("username")})]


def keep_waiting(record: dict, remaining: list[dict], at: str, actor: dict) -> list:
    """A supplement that still leaves part of the notice open: no new notice."""
    record["missing"] = remaining
    _step(record, "awaiting_supplement", "supplement", at, actor)
    return []
