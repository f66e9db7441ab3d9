"""JSON schemas of the request bodies the gateway validates, also served in the OpenAPI document.

Applications are the exception: intake judges their content (required fields,
ID number check digits, materials), so the applicant gets every bad field in
one answer rather than in two rounds; APPLICATION here only documents them.
"""
from gateway.access import ROLES
from gateway.scopes import ALL_SCOPES

USERNAME = {"type": "string", "maxLength": 32, "pattern": r"^[A-Za-z0-9_.\-]{3,32}$",
            "x-message": "用户名应为 3 到 32 位字母、数字、下划线、点或连字符"}
PASSWORD = {"type": "string", "minLength": 8, "maxLength": 128}
DISPLAY_NAME = {"type": "string", "minLength": 1, "maxLength": 64}
# maxLength as well as the pattern: Python's $ also matches before a trailing newline.
PHONE = {"type": "string", "maxLength": 11, "pattern": r"^1[3-9][0-9]{9}$",
         "x-message": "手机号码应为 11 位中国大陆手机号"}
DEPARTMENT = {"type": "string", "maxLength": 32, "pattern": r"^[a-z][a-z0-9_\-]{1,31}$",
              "x-message": "部门代码格式不正确"}
DATE = {"type": "string", "maxLength": 10, "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "x-message": "日期格式应为 YYYY-MM-DD"}
MATERIAL = {"type": "object", "properties": {"code": {"type": "string", "minLength": 1}}, "required": ["code"]}

TRANSITION_ACTIONS = (
    "accept", "refuse", "start_review", "schedule_inspection", "record_inspection", "approve", "deny", "escalate",
    "record_higher_decision", "sign_joint", "pause_clock", "resume_clock", "issue_certificate", "deliver", "withdraw",
    "refer", "extend", "mark_urgent",  # issue 5: reserved procedures, the law's extension, 绿色通道
)
COMPLAINT_CHANNELS = ("hotline", "web", "window", "suggestion_box", "sms", "province")
RATING_CHANNELS = ("window", "sms", "web", "app", "province")

TOKEN = {
    "type": "object",
    "properties": {"username": {"type": "string", "minLength": 1}, "password": {"type": "string", "minLength": 1}},
    "required": ["username", "password"],
}

ACCOUNT = {
    "type": "object",
    "properties": {"username": USERNAME, "password": PASSWORD, "display_name": DISPLAY_NAME,
                   "role": {"enum": list(ROLES)}, "department": {"anyOf": [DEPARTMENT, {"type": "null"}]},
                   "phone": PHONE, "work_no": {"type": "string", "pattern": r"^[A-Za-z0-9\-]{1,20}$",
                                                "x-message": "工号应为 1 到 20 位字母、数字或连字符"}},
    "required": ["username", "display_name", "role"],
    "additionalProperties": False,
}

REGISTRATION = {
    "type": "object",
    "properties": {"username": USERNAME, "password": PASSWORD, "display_name": DISPLAY_NAME, "phone": PHONE},
    "required": ["username", "password", "display_name", "phone"],
    "additionalProperties": False,
}

# Documentation only (OpenAPI): intake validates applications, every field in one answer.
APPLICATION = {
    "type": "object",
    "properties": {
        "item_code": {"type": "string"},
        "channel": {"enum": ["window", "online", "province"]},
        "applicant": {"type": "object", "properties": {
            "type": {"enum": ["person", "enterprise"]}, "name": {"type": "string"},
            "id_number": {"type": "string"}, "credit_code": {"type": "string"},
            "legal_representative": {"type": "string"}, "phone": {"type": "string"}}},
        "materials": {"type": "array", "items": MATERIAL},
        "pledges": {"type": "array", "items": {"type": "object", "properties": {
            "material_code": {"type": "string"}, "due_date": DATE}}},
        "owner_account": {"type": "string"},
    },
    "required": ["item_code", "applicant", "materials"],
}

SUPPLEMENT = {
    "type": "object",
    "properties": {"materials": {"type": "array", "minItems": 1, "items": MATERIAL}},
    "required": ["materials"],
}

TRANSITION = {
    "type": "object",
    "properties": {"action": {"enum": list(TRANSITION_ACTIONS)}, "comment": {"type": "string", "maxLength": 2000}},
    "required": ["action"],
}

RATING = {
    "type": "object",
    "properties": {"level": {"type": "integer", "minimum": 1, "maximum": 5},
                   "comment": {"type": "string", "maxLength": 1000}, "channel": {"enum": list(RATING_CHANNELS)}},
    "required": ["level"],
    "additionalProperties": False,
}

COMPLAINT = {
    "type": "object",
    "properties": {
        "case_no": {"type": "string", "minLength": 1, "maxLength": 50},
        "department": DEPARTMENT,
        "subject": {"type": "string", "minLength": 1, "maxLength": 200},
        "text": {"type": "string", "minLength": 1, "maxLength": 5000},
        "contact": {"type": "string", "minLength": 1, "maxLength": 100},
        "channel": {"enum": list(COMPLAINT_CHANNELS)},
        "staff": {"type": "string", "minLength": 1, "maxLength": 64},
        "anonymous": {"type": "boolean"},
    },
    "required": ["department", "subject", "text"],
    # issue 6: an anonymous complaint (suggestion box) may leave no contact; otherwise it is required
    "if": {"properties": {"anonymous": {"const": True}}, "required": ["anonymous"]},
    "else": {"required": ["contact"]},
    "additionalProperties": False,
}

METRICS_QUERY = {
    "type": "object",
    "properties": {"department": DEPARTMENT, "from": DATE, "to": DATE,
                   # issue 6: per staff member, item and period
                   "staff": {"type": "string", "minLength": 1, "maxLength": 64},
                   "item_code": {"type": "string", "minLength": 1, "maxLength": 64},
                   "period": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$",
                              "x-message": "统计周期应为 YYYY-MM 或 YYYY-Qn"},
                   # issue 9: volumes per item (the dashboard adds them up by catalogue category)
                   "by": {"enum": ["item_code"], "x-message": "分组方式只能为 item_code"}},
}

# --- issue 6: complaints, follow-ups, accountability, rankings, reports ----------------------
COMPLAINT_ACTIONS = ("assign", "investigate", "conclude", "reply", "close")
FOLLOW_UP_ACTIONS = ("contact", "rectify", "dismiss", "close")
PERIOD = {"type": "string", "pattern": r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2]|Q[1-4])$",
          "x-message": "统计周期应为 YYYY-MM（月）或 YYYY-Qn（季度）"}
MONTH = {"type": "string", "pattern": r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$", "x-message": "统计周期应为 YYYY-MM"}

COMPLAINT_TRANSITION = {
    "type": "object",
    "properties": {
        "action": {"enum": list(COMPLAINT_ACTIONS)},
        "to": {"type": "string", "minLength": 1, "maxLength": 64},
        "substantiated": {"type": "boolean"},
        "findings": {"type": "string", "minLength": 1, "maxLength": 5000},
        "staff": {"type": "string", "minLength": 1, "maxLength": 64},
        "text": {"type": "string", "minLength": 1, "maxLength": 5000},
        "comment": {"type": "string", "maxLength": 5000},
    },
    "required": ["action"],
    "additionalProperties": False,
}

FOLLOW_UP_TRANSITION = {
    "type": "object",
    "properties": {"action": {"enum": list(FOLLOW_UP_ACTIONS)}, "note": {"type": "string", "maxLength": 2000}},
    "required": ["action"],
    "additionalProperties": False,
}

ACCOUNTABILITY_RECORD = {
    "type": "object",
    "properties": {"department": DEPARTMENT, "username": {"type": "string", "minLength": 1, "maxLength": 64},
                   "reason": {"type": "string", "minLength": 1, "maxLength": 1000}, "date": DATE},
    "required": ["department", "reason"],
    "additionalProperties": False,
}

RANKING_FORMULA = {
    "type": "object",
    "properties": {"windows": {"type": "object"}, "staff": {"type": "object"},
                   "quarter_top": {"type": "integer", "minimum": 1, "maximum": 100}},
    "additionalProperties": False,
}

REPORT_QUERY = {
    "type": "object",
    "properties": {"period": MONTH, "department": DEPARTMENT, "format": {"enum": ["xlsx", "pdf"]}},
    "required": ["period"],
}

# --- issue 8: credentials, webhooks, change feed -----------------------------------
REFRESH = {
    "type": "object",
    "properties": {"refresh_token": {"type": "string", "minLength": 1, "maxLength": 200}},
    "required": ["refresh_token"],
    "additionalProperties": False,
}

API_KEY = {
    "type": "object",
    "properties": {
        "scopes": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(ALL_SCOPES)}},
        "label": {"type": "string", "maxLength": 100},
    },
    "required": ["scopes"],
    "additionalProperties": False,
}

REVEAL = {
    "type": "object",
    "properties": {"reason": {"type": "string", "minLength": 2, "maxLength": 200}},
    "required": ["reason"],
    "additionalProperties": False,
}

WEBHOOK_EVENTS = (
    "application_received", "one_time_notice_issued", "application_accepted", "application_refused",
    "case_status_changed", "case_decided", "certificate_issued", "case_closed", "rating_submitted",
    "complaint_received",
)

WEBHOOK = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "minLength": 8, "maxLength": 2000, "pattern": "^https?://",
                "x-message": "应为 http:// 或 https:// 开头的地址"},
        "events": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(WEBHOOK_EVENTS)}},
    },
    "required": ["url", "events"],
    "additionalProperties": False,
}

# --- licences and catalogue editing (issue 7) -----------------------------------------
CERTIFICATE_TRANSITION = {
    "type": "object",
    "properties": {"action": {"enum": ["revoke", "cancel"]},
                   "reason": {"type": "string", "minLength": 1, "maxLength": 1000}},
    "required": ["action", "reason"],
    "additionalProperties": False,
}

CERTIFICATE_REGISTRATION = {
    "type": "object",
    "properties": {
        "item_code": {"type": "string", "minLength": 1, "maxLength": 50},
        "holder_name": {"type": "string", "minLength": 1, "maxLength": 100},
        "holder_type": {"enum": ["person", "enterprise"]},
        "valid_from": DATE, "valid_until": DATE,
        "legacy_no": {"type": "string", "minLength": 1, "maxLength": 64},
        "owner_account": {"type": "string", "minLength": 1, "maxLength": 64},
    },
    "required": ["item_code", "holder_name", "holder_type", "valid_from", "valid_until"],
    "additionalProperties": False,
}

RESULTS_QUERY = {
    "type": "object",
    "properties": {"department": DEPARTMENT, "from": DATE, "to": DATE},
}

# Documentation only (OpenAPI): intake validates items, every field in one answer.
ITEM = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "department": {"type": "string"},
        "category": {"type": "string"}, "case_kind": {"enum": ["instant", "promised", "joint", "escalated"]},
        "legal_basis": {"type": "string"}, "conditions": {"type": "string"}, "procedure": {"type": "string"},
        "fee": {"type": "string"}, "fee_basis": {"type": "string"}, "fee_amount": {"type": "number"},
        "complaint_phone": {"type": "string"}, "consult_phone": {"type": "string"},
        "basic_code": {"type": "string"}, "implementation_code": {"type": "string"}, "item_type": {"type": "string"},
        "exercise_level": {"type": "string"}, "handling_form": {"type": "string"}, "location": {"type": "string"},
        "office_hours": {"type": "string"},
        "materials": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "required": {"type": "boolean"},
            "copies": {"type": "integer"}, "original": {"type": "boolean"}}}},
        "statutory_days": {"type": "integer"}, "promised_days": {"type": "integer"},
        "stages": {"type": "array", "items": {"enum": ["first_review", "site_inspection", "joint_review",
                                                      "decision"]}},
        "stage_limits": {"type": "object", "additionalProperties": {"type": "integer"}},
        "licence": {"type": ["object", "null"], "properties": {"name": {"type": "string"},
                                                               "valid_years": {"type": "integer"}}},
        "licence_action": {"enum": ["new", "renew", "change", "replace", "cancel", "inspect", None]},
        "joint_departments": {"type": "array", "items": {"type": "string"}},
        "higher_authority": {"type": ["string", "null"]},
    },
    "required": ["code", "name", "department", "case_kind", "materials", "statutory_days", "promised_days"],
}
ITEM_CHANGES = {"type": "object", "description": "要修改的事项字段（code、department、version 不可修改）",
                "properties": ITEM["properties"]}

# --- authority, supervision, calendar (issue 5) -----------------------------------------
DELEGATION = {
    "type": "object",
    "properties": {
        "department": DEPARTMENT,
        "kind": {"enum": ["chief_rep", "post"]},
        "a_account": USERNAME, "b_account": USERNAME,
        "items": {"type": "array", "minItems": 1, "items": {"type": "object", "properties": {
            "item_code": {"type": "string", "minLength": 1},
            "actions": {"type": "array", "minItems": 1, "items": {"type": "string"}}},
            "required": ["item_code", "actions"]}},
        "valid_from": DATE, "valid_until": DATE,
    },
    "required": ["a_account", "b_account", "items"],
    "additionalProperties": False,
}
DELEGATION_REVOKE = {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 500}},
                     "additionalProperties": False}
DELEGATION_RENEW = {"type": "object", "properties": {"valid_until": DATE}, "required": ["valid_until"],
                    "additionalProperties": False}
AWAY = {"type": "object", "properties": {"away": {"type": "boolean"}}, "required": ["away"],
        "additionalProperties": False}
CALENDAR_YEAR = {
    "type": "object",
    "properties": {"holidays": {"type": "array", "items": DATE}, "workdays": {"type": "array", "items": DATE}},
    "required": ["holidays", "workdays"],
    "additionalProperties": False,
}
