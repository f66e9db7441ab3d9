"""Scenes for end-to-end tests: a case accepted weeks ago (which the clock alone cannot set up), and a
module's own health team with its letter of authority.

A case made through the gateway is moved back in time by rewriting the dates approval stored for it
(acceptance, the current stage's start, the deadlines, the clock's pauses), as a data migration would.
Everything after that runs through the real services: the supervision scan finds the case yellow or
red, a decision taken now is late, and the events carry the backdated deadlines to evaluation.
"""
import datetime as dt
import uuid

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


TEAM_ROLES = {"clerk": "clerk", "chief": "chief_rep", "deputy": "chief_rep", "applicant": "applicant"}


def health_team(api, admin, prefix: str, display_name: str, items, actions, password: str) -> dict:
    """A module's own health staff and applicant ({"clerk", "chief", "deputy", "applicant"} -> username,
    created by the centre admin), the chief deciding as B of a letter of authority (deputy as A) for
    `items` and `actions`, so per-person metrics are this module's alone on the shared e2e stack."""
    tag = uuid.uuid4().hex[:6]
    names = {name: f"{prefix}{name[:4]}{tag}" for name in TEAM_ROLES}
    for name, role in TEAM_ROLES.items():
        created = admin.post("/v1/accounts", json={"username": names[name], "password": password,
                                                   "display_name": display_name, "role": role,
                                                   "department": None if role == "applicant" else "health"})
        assert created.status_code == 201, created.text
    letter = api.as_user("health_admin").post("/v1/delegations", json={
        "department": "health", "a_account": names["deputy"], "b_account": names["chief"],
        "items": [{"item_code": item, "actions": list(actions)} for item in items]})
    assert letter.status_code == 201, letter.text
    return names


def required_materials(api, item: str) -> list[dict]:
    return [{"code": m["code"]} for m in api.get(f"/v1/items/{item}").json()["materials"] if m["required"]]
