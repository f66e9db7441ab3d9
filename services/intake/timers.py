"""Intake's legal time limits, run by a timer (限时): what is due for an application today.

- 网上预审: an online or provincial application is pre-reviewed within 2 working days
  (yellow the working day before, red once past; announced through approval's alerts).
- 一次性告知 within 5 working days of receipt: if none was issued by then, the case counts as
  accepted from the day the materials were received, automatically.
- 补正: an applicant who does not supplement by the notice's deadline: the case closes as
  withdrawn and the applicant is told.
Pure functions; the service stores each change with a version guard, so replicas never apply one twice.
"""
import datetime as dt
from dataclasses import dataclass

from services.common import supervision
from services.common.clock import WorkingDayClock
from services.intake import queues

# The system acts for these steps (history and events name it, not a person).
SYSTEM_ACTOR = {"username": "system", "role": "system", "department": None, "display_name": "系统（限时办结）",
                "work_no": None}
WATCHED = ("pre_review", "awaiting_supplement")


@dataclass(frozen=True)
class Due:
    action: str | None          # "deemed_accept" | "withdraw" | None
    alerts: tuple = ()          # supervision rows now yellow or red
    on: dt.date | None = None   # deemed acceptance: the day of receipt; withdrawal: the supplement deadline


def due(record: dict, clock: WorkingDayClock, today: dt.date) -> Due:
    status = record["status"]
    if status == "pre_review":
        notice_by = clock.deadline(queues.received_on(record), queues.NOTICE_DAYS).value
        if today > notice_by:
            return Due("deemed_accept", on=queues.received_on(record))
        rows = supervision.assess_all(clock, today, queues.watched(record, status, clock))
        return Due(None, tuple(row for row in rows if row["state"] != "green"))
    if status == "awaiting_supplement":
        supplement_by = queues.supplement_due(record, clock)
        if supplement_by and today > supplement_by:
            return Due("withdraw", on=supplement_by)
    return Due(None)


def withdraw(record: dict, supplement_by: dt.date, at: str, today: dt.date) -> dict:
    """Close an application whose 补正 did not come in time; returns the application_withdrawn fields."""
    reason = f"申请人未在一次性告知书规定的期限（{supplement_by.isoformat()}）内补正材料，视为撤回申请"
    record["status"] = "withdrawn"
    record["history"] = [*record["history"], {"at": at, "status": "withdrawn", "action": "supplement_timeout",
                                              "actor_role": "system", "actor": "system", "actor_work_no": None,
                                              "comment": reason}]
    return {"reason": reason, "withdrawn_on": today.isoformat(), "supplement_by": supplement_by.isoformat()}
