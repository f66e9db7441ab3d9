"""Message contracts: every RPC name, event name and event payload, written once.

Producers build events with `event(...)`, which refuses a payload missing a
field; consumers read the same constants. `SUBSCRIPTIONS` lists every event
handler so the queues can be declared before any event is published.

Shapes passed over RPC
- actor: {"username", "role", "department"|None, "display_name"}; the gateway
  fills it from the authenticated account and services trust it.
- case view (intake.get_application / approval.get_case, same keys):
  {"case_no", "item_code", "item_name", "department", "channel", "status",
   "owner", "applicant": {masked}, "missing": [...], "deadlines": {...}|None,
   "clock": {"paused", "used_working_days"}, "history": [{"at","status","action","actor_role"}],
   "certificate_no"?: str, "notice"?: {...}}
"""
import datetime as _dt
import uuid


class Intake:
    SERVICE = "intake"
    PING = "ping"
    LIST_ITEMS = "list_items"            # (department=None, category=None) -> [item]
    GET_ITEM = "get_item"                # (code, version=None) -> item
    UPDATE_ITEM = "update_item"          # (code, changes, actor) -> item (new version)
    # --- catalogue and public window (issue 7) ---
    CREATE_ITEM = "create_item"          # (item, actor) -> item (version 1)
    ITEM_VERSIONS = "item_versions"      # (code) -> [{"version","changed_at","changed_by","changes"}] newest first
    LIST_DEPARTMENTS = "list_departments"  # () -> [{"code","name","full_name","window","consult_phone",...}]
    CHECK_QUERY_CODE = "check_query_code"  # (case_no, code) -> True; NotFound when unknown or wrong (same answer)
    SUBMIT = "submit_application"        # (application, actor, idempotency_key=None) -> case view
    SUPPLEMENT = "supplement"            # (case_no, materials, actor) -> case view
    # (case_no, actor, reason) -> {"case_no","id_number","phone"} in full: staff of the case's department; logged
    REVEAL_APPLICANT = "reveal_applicant"
    GET_CONTACT = "get_contact"          # (case_no, actor=service_actor("notification")) -> {"phone","email"} in
    #                                      full: for notification's sends only, in a signed call
    GET_APPLICATION = "get_application"  # (case_no) -> case view (masked applicant; owner/submitted_by for checks)
    TRANSITION = "transition"            # (case_no, action, actor, params) -> case view
    ACTIONS = ("accept", "refuse")       # actions intake owns (before acceptance)
    # --- queues and timers (issue 5) ---
    # get_application(case_no, actor=None): with an actor the view carries its allowed_actions
    LIST_APPLICATIONS = "list_applications"  # (query, actor) -> {"cases","keys","bound"}; see caselist
    STATUSES = ("pre_review", "awaiting_supplement", "refused", "withdrawn")  # listed by intake


class Approval:
    SERVICE = "approval"
    PING = "ping"
    OPEN_CASE = "open_case"              # (accepted event payload) -> case view; idempotent
    GET_CASE = "get_case"                # (case_no) -> case view
    TRANSITION = "transition"            # (case_no, action, actor, params) -> case view
    GET_CERTIFICATE = "get_certificate"  # (certificate_no) -> public certificate view
    COMPUTE_DEADLINES = "compute_deadlines"  # (start_date iso, promised_days, statutory_days) -> deadlines
    SET_CALENDAR_YEAR = "set_calendar_year"  # (year, holidays, workdays, actor) -> calendar year (centre_admin)
    GET_CALENDAR_YEAR = "get_calendar_year"  # (year) -> {"year","source","estimated","holidays","workdays"}
    # --- authority, supervision, queues (issue 5) ---
    # get_case(case_no, actor=None): with an actor the view carries its allowed_actions
    AUTHORITY = "authority"              # (department, today=None) -> {"letters": [in force], "away": [usernames]}
    ISSUE_DELEGATION = "issue_delegation"    # (letter, actor) -> letter view
    LIST_DELEGATIONS = "list_delegations"    # (department=None) -> [letter view]
    RENEW_DELEGATION = "renew_delegation"    # (delegation_id, valid_until, actor) -> letter view
    REVOKE_DELEGATION = "revoke_delegation"  # (delegation_id, actor, reason=None) -> letter view
    SET_AWAY = "set_away"                # (username, department, away: bool, actor) -> {"username","away"}
    RECORD_VIOLATION = "record_violation"    # (case summary, action, actor, reason) -> violation (intake's 越权)
    LIST_VIOLATIONS = "list_violations"  # (department=None, limit=100) -> [{"at","actor","case_no","action","reason"}]
    LIST_CASES = "list_cases"            # (query, actor) -> {"cases": [view], "keys": [sort key]}; see caselist
    SUPERVISION = "supervision"          # (department=None) -> {"yellow": [view], "red": [view]}
    RAISE_ALERT = "raise_alert"          # (case: CASE_FIELDS + holder, row: supervision row) -> None; once per key
    # --- licences (issue 7) ---
    GET_CERTIFICATE_RECORD = "get_certificate_record"  # (certificate_no) -> full record (holder unmasked)
    CERTIFICATE_TRANSITION = "certificate_transition"  # (certificate_no, action revoke|cancel, reason, actor)
    REGISTER_CERTIFICATE = "register_certificate"  # (body, actor) -> certificate (存量证照, department_admin)
    LIST_RESULTS = "list_results"        # (department=None, date_from=None, date_to=None, limit=200) -> [result]


class Notification:
    SERVICE = "notification"
    PING = "ping"
    LIST_INBOX = "list_inbox"            # (recipients: list[str], limit=50, offset=0) -> [message], newest first
    MARK_READ = "mark_read"              # (recipients: list[str], message_id) -> message
    # --- issue 8: the provincial network (actor: api_client sees its own; supervisor/centre_admin all)
    # (actor, cursor=None, limit=100) -> {"changes":[{seq,case_no,status,at,event}],"next_cursor"}
    LIST_CHANGES = "list_changes"
    REGISTER_WEBHOOK = "register_webhook"  # (actor, url, events) -> webhook with "secret" (shown once)
    LIST_WEBHOOKS = "list_webhooks"      # (actor) -> [webhook]
    GET_WEBHOOK = "get_webhook"          # (actor, webhook_id) -> webhook
    ROTATE_WEBHOOK_SECRET = "rotate_webhook_secret"  # (actor, webhook_id) -> webhook with the new "secret"
    DELETE_WEBHOOK = "delete_webhook"    # (actor, webhook_id) -> webhook (inactive)
    LIST_DELIVERIES = "list_deliveries"  # (actor, webhook_id, limit=50) -> {"deliveries":[...]} every attempt


class Evaluation:
    SERVICE = "evaluation"
    PING = "ping"
    RATE = "rate"                        # (case_no, actor, level, comment=None, channel=None) -> rating
    METRICS = "metrics"                  # (department=None, date_from=None, date_to=None, staff=None,
    #                                      item_code=None, period=None, by=None|"item_code") -> metrics (+by_item)
    CREATE_COMPLAINT = "create_complaint"  # (complaint, actor|None) -> complaint
    GET_COMPLAINT = "get_complaint"      # (complaint_id) -> complaint
    # --- issue 6: service quality held to account -------------------------------
    LIST_COMPLAINTS = "list_complaints"  # (department=None, status=None, supervision=None, limit=50) -> [complaint]
    COMPLAINT_TRANSITION = "complaint_transition"  # (complaint_id, action, actor, params) -> complaint
    LIST_FOLLOW_UPS = "list_follow_ups"  # (department=None, state=None, limit=50) -> [follow_up]
    GET_FOLLOW_UP = "get_follow_up"      # (follow_up_id) -> follow_up
    FOLLOW_UP_TRANSITION = "follow_up_transition"  # (follow_up_id, action, actor, note=None) -> follow_up
    ACCOUNTABILITY = "accountability"    # (year, department=None) -> {"year","people":[...],"units":[...]}
    ACCOUNTABILITY_RECORDS = "accountability_records"  # (year, department=None, username=None) -> [record]
    RECORD_ACCOUNTABILITY = "record_accountability"  # (record {"username"?,"department","reason","date"?}, actor)
    RANKINGS = "rankings"                # (period "YYYY-MM"|"YYYY-Qn") -> {"period","formula","windows","staff"}
    GET_RANKING_FORMULA = "get_ranking_formula"  # () -> formula
    SET_RANKING_FORMULA = "set_ranking_formula"  # (formula, actor) -> formula
    MONTHLY_REPORT = "monthly_report"    # (period, department=None, fmt) -> {"filename","content_type",...}
    REBUILD_METRICS = "rebuild_metrics"  # (actor) -> {"counters","facts","ratings","complaints"}


SERVICES = (Intake.SERVICE, Approval.SERVICE, Notification.SERVICE, Evaluation.SERVICE)


def service_actor(service: str) -> dict:
    """The actor a service names when it calls another on its own behalf (no person behind the call).
    The call is signed like the gateway's (services/common/actor_claims.py), so nobody else on the
    broker can claim it; no account can have its role."""
    return {"username": f"service:{service}", "role": "service", "department": None, "display_name": service}


# --- events -----------------------------------------------------------------
# Fields every event carries, added by `event()`.
ENVELOPE = ("event_id", "occurred_at", "request_id")
# Fields every case event carries.
CASE_FIELDS = ("case_no", "item_code", "item_name", "department", "owner", "submitted_by", "channel")

APPLICATION_RECEIVED = "application_received"
ONE_TIME_NOTICE_ISSUED = "one_time_notice_issued"  # 一次性告知
APPLICATION_ACCEPTED = "application_accepted"      # 受理
APPLICATION_REFUSED = "application_refused"        # 不予受理
CASE_STATUS_CHANGED = "case_status_changed"
CASE_DECIDED = "case_decided"                      # 准予 / 不予许可
CERTIFICATE_ISSUED = "certificate_issued"
CASE_CLOSED = "case_closed"
RATING_SUBMITTED = "rating_submitted"              # 好差评
COMPLAINT_RECEIVED = "complaint_received"          # 投诉
AUTHORITY_VIOLATION = "authority_violation"        # 越权: an action refused outside the letter of authority
SUPERVISION_ALERT = "supervision_alert"            # 电子监察: a case (or one of its stages) turned yellow or red
DELEGATION_EXPIRING = "delegation_expiring"        # a letter of authority ends within a month
APPLICATION_WITHDRAWN = "application_withdrawn"    # 补正 not supplied by the notice's deadline: closed
CERTIFICATE_EXPIRING = "certificate_expiring"      # 到期提醒: 90 / 30 days before a licence's last day
CERTIFICATE_STATUS_CHANGED = "certificate_status_changed"  # 撤销 / 注销
COMPLAINT_UPDATED = "complaint_updated"            # issue 6: a complaint moved a step (the complainant is told)
FOLLOW_UP_UPDATED = "follow_up_updated"            # issue 6: a bad rating's follow-up (回访整改) moved a step

EVENT_FIELDS = {
    # received_at: ISO datetime the materials were received
    APPLICATION_RECEIVED: CASE_FIELDS + ("received_at", "status"),
    # missing: [{"code","name","reason"}]; notice: the one-time notice document
    ONE_TIME_NOTICE_ISSUED: CASE_FIELDS + ("missing", "notice"),
    # item: snapshot {"case_kind","promised_days","statutory_days","stages",
    #   "joint_departments","higher_authority","licence_valid_years"};
    # accepted_on: date; deadlines: {"promised","statutory"}|None; history: [...]
    APPLICATION_ACCEPTED: CASE_FIELDS
    + ("received_at", "accepted_at", "accepted_on", "item", "deadlines", "applicant", "first_contact", "history",
       "notice"),
    # actor: username of the staff member who refused (credited with the refusal in the metrics)
    APPLICATION_REFUSED: CASE_FIELDS + ("reason", "notice", "actor"),
    # status / previous_status / action / actor_role
    # actor: username of the person who acted (None for the system's timers); detail: what the applicant
    # is told in writing, e.g. a pause {"kind","expected_days","reason"} or an extension {"days","reason"}
    CASE_STATUS_CHANGED: CASE_FIELDS + ("status", "previous_status", "action", "actor_role", "actor", "detail"),
    # result: "approved"|"denied"; decided_on: date; deadlines; used_working_days;
    # on_time / early: bools against the promised deadline
    CASE_DECIDED: CASE_FIELDS
    + ("result", "reason", "decided_on", "accepted_on", "deadlines", "used_working_days", "on_time", "early",
       "decided_by"),
    CERTIFICATE_ISSUED: CASE_FIELDS + ("certificate_no", "valid_from", "valid_until", "holder_name"),
    CASE_CLOSED: CASE_FIELDS + ("status", "closed_on"),
    # level 1..5 (5 = 非常满意); bad: level <= 2
    RATING_SUBMITTED: ("case_no", "department", "item_code", "owner", "level", "bad", "comment", "channel"),
    COMPLAINT_RECEIVED: ("complaint_id", "department", "case_no", "subject"),
    # actor: username; actor_role; action: the workflow action refused; reason: Chinese text; at: ISO datetime
    AUTHORITY_VIOLATION: ("case_no", "department", "item_code", "actor", "actor_role", "action", "reason", "at"),
    # state: "yellow"|"red"; stage: "overall"|"pre_review"|"review"|"inspection"|"decision"|"certificate"|...;
    # deadline: date; responsible: username holding the case now (or None); remaining_working_days: int (<0 overdue)
    SUPERVISION_ALERT: CASE_FIELDS + ("state", "stage", "deadline", "responsible", "remaining_working_days"),
    DELEGATION_EXPIRING: ("delegation_id", "department", "a_account", "b_account", "valid_until"),
    # reason: Chinese text; withdrawn_on: date; supplement_by: the deadline the notice gave
    APPLICATION_WITHDRAWN: CASE_FIELDS + ("reason", "withdrawn_on", "supplement_by"),
    # case_no: the issuing case (None for a registered 存量证照); days_left: to valid_until; threshold: 90|30
    CERTIFICATE_EXPIRING: CASE_FIELDS + ("certificate_no", "valid_until", "days_left", "threshold"),
    # action: revoke|cancel; status: revoked|cancelled; reason: Chinese text; on: date
    CERTIFICATE_STATUS_CHANGED: CASE_FIELDS + ("certificate_no", "action", "status", "previous_status", "reason", "on"),
    # issue 6. status: the new status; action: the step taken; submitted_by: complainant's username or None;
    # reply: the reply text (masked) once replied, else None
    COMPLAINT_UPDATED: ("complaint_id", "department", "case_no", "subject", "status", "action", "submitted_by",
                        "reply"),
    # status: open|contacted|rectified|dismissed|closed; owner: the applicant's username (None without account);
    # outcome: rectified|dismissed|None; note: masked; rectify_by: date
    FOLLOW_UP_UPDATED: ("follow_up_id", "case_no", "department", "item_code", "owner", "status", "action",
                        "outcome", "note", "rectify_by"),
}

EVENT_SOURCE = {
    APPLICATION_RECEIVED: Intake.SERVICE,
    ONE_TIME_NOTICE_ISSUED: Intake.SERVICE,
    APPLICATION_ACCEPTED: Intake.SERVICE,
    APPLICATION_REFUSED: Intake.SERVICE,
    CASE_STATUS_CHANGED: Approval.SERVICE,
    CASE_DECIDED: Approval.SERVICE,
    CERTIFICATE_ISSUED: Approval.SERVICE,
    CASE_CLOSED: Approval.SERVICE,
    RATING_SUBMITTED: Evaluation.SERVICE,
    COMPLAINT_RECEIVED: Evaluation.SERVICE,
    AUTHORITY_VIOLATION: Approval.SERVICE,
    SUPERVISION_ALERT: Approval.SERVICE,
    DELEGATION_EXPIRING: Approval.SERVICE,
    APPLICATION_WITHDRAWN: Intake.SERVICE,
    CERTIFICATE_EXPIRING: Approval.SERVICE,
    CERTIFICATE_STATUS_CHANGED: Approval.SERVICE,
    COMPLAINT_UPDATED: Evaluation.SERVICE,
    FOLLOW_UP_UPDATED: Evaluation.SERVICE,
}


def handler_name(event_type: str) -> str:
    """Every handler method is named on_<event_type>."""
    return f"on_{event_type}"


# (handling service, event type): who listens to what. Handler methods are
# named by handler_name(); the source service comes from EVENT_SOURCE.
SUBSCRIPTIONS = (
    (Approval.SERVICE, APPLICATION_ACCEPTED),
    (Notification.SERVICE, APPLICATION_ACCEPTED),
    (Notification.SERVICE, ONE_TIME_NOTICE_ISSUED),
    (Notification.SERVICE, APPLICATION_REFUSED),
    (Notification.SERVICE, CASE_DECIDED),
    (Notification.SERVICE, CERTIFICATE_ISSUED),
    (Notification.SERVICE, RATING_SUBMITTED),
    (Notification.SERVICE, COMPLAINT_RECEIVED),
    (Evaluation.SERVICE, APPLICATION_RECEIVED),
    (Evaluation.SERVICE, APPLICATION_ACCEPTED),
    (Evaluation.SERVICE, APPLICATION_REFUSED),
    (Evaluation.SERVICE, CASE_DECIDED),
    (Evaluation.SERVICE, CASE_CLOSED),
    # issue 5: supervision alerts and letter reminders reach people
    (Notification.SERVICE, SUPERVISION_ALERT),
    (Notification.SERVICE, DELEGATION_EXPIRING),
    (Notification.SERVICE, CASE_STATUS_CHANGED),
    (Notification.SERVICE, APPLICATION_WITHDRAWN),
    # --- issue 8: the change feed and webhooks hear every case event
    (Notification.SERVICE, APPLICATION_RECEIVED),
    (Notification.SERVICE, CASE_CLOSED),
    # licences (issue 7): holders hear of expiry (到期提醒) and of revocation or cancellation
    (Notification.SERVICE, CERTIFICATE_EXPIRING),
    (Notification.SERVICE, CERTIFICATE_STATUS_CHANGED),
    # issue 6: accountability sources and the complainant / applicant told of each step
    (Evaluation.SERVICE, AUTHORITY_VIOLATION),
    (Evaluation.SERVICE, SUPERVISION_ALERT),
    (Notification.SERVICE, COMPLAINT_UPDATED),
    (Notification.SERVICE, FOLLOW_UP_UPDATED),
)


class ContractError(ValueError):
    """A producer built an event that does not match its contract."""


def event(event_type: str, request_id: str | None = None, **fields) -> dict:
    """Build an event payload, refusing one with a missing or unknown field."""
    expected = EVENT_FIELDS[event_type]
    missing = [f for f in expected if f not in fields]
    unknown = [f for f in fields if f not in expected]
    if missing or unknown:
        raise ContractError(f"{event_type}: missing {missing}, unknown {unknown}")
    return {
        "event_id": uuid.uuid4().hex,
        "event_type": event_type,
        "occurred_at": _dt.datetime.now(_dt.UTC).isoformat(),
        "request_id": request_id,
        **fields,
    }
