"""How ratings, follow-ups and complaints are shown: contacts and free text masked,
the supervision colour of whatever is still open."""
import datetime as dt

from services.common.masking import mask_text
from services.evaluation import complaint_steps, complaints, follow_ups


def rating_view(doc: dict) -> dict:
    view = {name: doc.get(name) for name in ("case_no", "level", "label", "bad", "comment", "channel",
                                             "created_at", "round")}
    view["id"] = doc["_id"]
    if doc.get("follow_up"):
        view["follow_up"] = {k: v for k, v in doc["follow_up"].items() if k != "history"}
    return view


def follow_up_view(doc: dict, today: dt.date) -> dict:
    follow_up = doc["follow_up"]
    return {
        "id": doc["_id"], "case_no": doc["case_no"], "department": doc.get("department"),
        "item_code": doc.get("item_code"), "staff": doc.get("staff"), "level": doc["level"],
        "label": doc.get("label"), "comment": mask_text(doc.get("comment") or "") or None,
        "status": follow_up["status"], "state_label": follow_ups.STATE_LABELS[follow_up["status"]],
        "opened_on": follow_up["opened_on"], "rectify_by": follow_up["rectify_by"],
        "outcome": follow_up.get("outcome"), "closed_on": follow_up.get("closed_on"),
        "overdue": follows_overdue(follow_up, today), "supervision": follow_ups.supervision(follow_up, today),
        "history": follow_up.get("history", []),
    }


def follows_overdue(follow_up: dict, today: dt.date) -> bool:
    return follow_ups.is_overdue(follow_up, today) or (
        follow_up["status"] == follow_ups.CLOSED and follow_up.get("on_time") is False)


def complaint_view(doc: dict, today: dt.date) -> dict:
    view = complaints.view(doc)
    view.update({
        "status_label": complaint_steps.STATUS_LABELS[doc["status"]],
        "assigned_to": doc.get("assigned_to"), "substantiated": doc.get("substantiated"),
        "findings": doc.get("findings"), "staff": doc.get("against"), "reply": doc.get("reply"),
        "due": doc.get("due"), "closed_on": doc.get("closed_on"),
        "supervision": complaint_steps.supervision(doc, today),
    })
    return view
