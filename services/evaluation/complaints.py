"""Complaints (投诉): what a complaint must say, and how it is shown.

Every complaint is received, then investigated, concluded and replied to
(有诉必理); this slice receives and records it. The contact stays in full for
the reply and is masked in views; an anonymous complaint may leave no contact.
The lifecycle is in complaint_steps.py.
"""
from services.common.errors import InvalidInput, field_error
from services.common.masking import mask_text

RECEIVED = "received"
CHANNELS = ("hotline", "web", "window", "suggestion_box", "sms", "province")
DEFAULT_CHANNEL = "web"
LIMITS = {"case_no": 50, "department": 50, "subject": 200, "text": 5000, "contact": 100, "staff": 64}
REQUIRED = ("department", "subject", "text", "contact")
LABELS = {"case_no": "办件编号", "department": "被投诉部门", "subject": "投诉事由", "text": "投诉内容",
          "contact": "联系方式", "channel": "投诉渠道", "staff": "被投诉人"}


def validate(complaint) -> dict:
    """The cleaned complaint fields; InvalidInput naming every bad field at once."""
    if not isinstance(complaint, dict):
        raise InvalidInput("投诉内容有误", [field_error("complaint", "投诉须为对象")])
    errors, cleaned = [], {}
    anonymous = complaint.get("anonymous") is True  # a suggestion-box note may leave no contact
    for name, limit in LIMITS.items():
        value = complaint.get(name)
        if value is not None and not isinstance(value, str):
            errors.append(field_error(name, f"{LABELS[name]}须为文本"))
            continue
        value = (value or "").strip()
        if not value and name in REQUIRED and not (anonymous and name == "contact"):
            errors.append(field_error(name, f"{LABELS[name]}不能为空"))
        elif len(value) > limit:
            errors.append(field_error(name, f"{LABELS[name]}不能超过 {limit} 字"))
        cleaned[name] = value or None
    channel = complaint.get("channel") or DEFAULT_CHANNEL
    if channel not in CHANNELS:
        errors.append(field_error("channel", f"{LABELS['channel']}须为 {'、'.join(CHANNELS)} 之一"))
    cleaned["channel"] = channel
    cleaned["anonymous"] = anonymous
    if errors:
        raise InvalidInput("投诉内容有误", errors)
    return cleaned


def view(doc: dict) -> dict:
    return {
        "id": doc["_id"],
        "status": doc["status"],
        "case_no": doc.get("case_no"),
        "department": doc["department"],
        "subject": doc["subject"],
        "text": doc["text"],
        "contact": mask_text(doc["contact"]) if doc.get("contact") else None,
        "anonymous": doc.get("anonymous", False),
        "about_staff": doc.get("staff"),
        "channel": doc.get("channel", DEFAULT_CHANNEL),
        "created_at": doc["created_at"],
        "submitted_by": doc.get("submitted_by"),
        "history": doc.get("history", []),
    }
