"""An application (办件) before acceptance, as intake stores and shows it."""
import hashlib
import json

from services.common.contracts import CASE_FIELDS
from services.intake.privacy import applicant_view
from services.intake.query_codes import new_query_code

STAFF_ROLES = ("clerk", "chief_rep", "reviewer")          # 首问负责制: who counts as first contact
DECIDING_ROLES = STAFF_ROLES + ("department_admin",)      # who may accept or refuse
VIEW_EXTRAS = ("item_version", "received_at", "accepted_at", "accepted_on", "certificate_no",
               "licence_of", "query_code")  # the licence a 延续/变更/补办 names; 查询码 (the gateway shows it to few)


def fingerprint(body) -> str:
    """Same body, same fingerprint (key order does not matter): idempotency."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def first_contact_of(actor: dict) -> dict | None:
    if actor.get("role") in STAFF_ROLES:
        return {"username": actor.get("username"), "display_name": actor.get("display_name")}
    return None


def owner_of(application: dict, actor: dict) -> str | None:
    if actor.get("role") == "applicant":
        return actor.get("username")
    return application.get("owner_account")


def history_entry(at: str, status: str, action: str, actor: dict, comment: str | None = None) -> dict:
    entry = {"at": at, "status": status, "action": action, "actor_role": actor.get("role")}
    if comment:
        entry["comment"] = comment
    return entry


def new_record(case_no: str, application: dict, item: dict, actor: dict, applicant: dict,
               received_at: str, received_on: str, key: str | None = None, body_print: str | None = None) -> dict:
    """A freshly received application, still in status "received" (the caller decides the next).
    `key` is the submitter's idempotency key (unique among applications), `body_print` the
    fingerprint of the body it came with: a retry gets this case back only with both."""
    return {
        "_id": case_no, "case_no": case_no, "item_code": item["code"], "item_name": item["name"],
        "item_version": item["version"], "department": item["department"], "channel": application["channel"],
        "status": "received", "owner": owner_of(application, actor), "submitted_by": actor.get("username"),
        "applicant": applicant, "materials": application["materials"], "pledges": [],
        "pledge_requests": application["pledges"], "missing": [], "item": item,
        "received_at": received_at, "received_on": received_on, "accepted_at": None, "accepted_on": None,
        "deadlines": None, "notice": None, "first_contact": first_contact_of(actor), "history": [], "version": 1,
        "idempotency_key": key, "fingerprint": body_print,
        "query_code": new_query_code(), "licence_of": application.get("licence_of"),
    }


def case_fields(record: dict) -> dict:
    """The fields every case event carries (contracts.CASE_FIELDS)."""
    return {name: record[name] for name in CASE_FIELDS}


def case_view(record: dict) -> dict:
    """The case view shared with approval.get_case (see the design brief)."""
    view = {
        **case_fields(record), "status": record["status"],
        "applicant": applicant_view(record["applicant"]), "missing": record["missing"],
        "pledges": record.get("pledges", []), "deadlines": record["deadlines"],
        "clock": {"paused": record["status"] != "accepted", "used_working_days": 0},
        "history": record["history"], "notice": record["notice"], "first_contact": record["first_contact"],
    }
    view.update({k: record[k] for k in VIEW_EXTRAS if record.get(k) is not None})
    return view
