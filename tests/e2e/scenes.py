"""Scenes the clock alone cannot set up in a test: a case accepted weeks ago.

A case made through the gateway is moved back in time by rewriting the dates approval stored for it
(acceptance, the current stage's start, the deadlines, the clock's pauses), as a data migration would.
Everything after that runs through the real services: the supervision scan finds the case yellow or
red, a decision taken now is late, and the events carry the backdated deadlines to evaluation.
"""
import datetime as dt

from pymongo import MongoClient

from services.common.config import database_name

DATE_FIELDS = ("accepted_on", "stage_since")


def _earlier(value: str | None, days: int) -> str | None:
    if not value:
        return value
    return (dt.date.fromisoformat(value[:10]) - dt.timedelta(days=days)).isoformat()


def backdate_case(mongo_uri: str, case_no: str, days: int, db_prefix: str = "e2e") -> dict:
    """Move the stored case `days` calendar days into the past; returns the fields written."""
    with MongoClient(mongo_uri) as client:
        cases = client[database_name("approval", db_prefix)]["cases"]
        case = cases.find_one({"_id": case_no})
        assert case, f"approval has no case {case_no} yet"
        fields = {name: _earlier(case.get(name), days) for name in DATE_FIELDS}
        deadlines = dict(case.get("deadlines") or {})
        for name in ("promised", "statutory"):
            deadlines[name] = _earlier(deadlines.get(name), days)
        clock = dict(case.get("clock") or {})
        clock["pauses"] = [{**pause, "from": _earlier(pause.get("from"), days), "to": _earlier(pause.get("to"), days)}
                           for pause in clock.get("pauses") or []]
        fields.update(deadlines=deadlines, clock=clock)
        cases.update_one({"_id": case_no}, {"$set": fields, "$inc": {"version": 1}})
        return fields
