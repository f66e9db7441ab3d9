"""The intake service (收件受理): item catalogue and applications until acceptance.

Commit first, then tell: a submission is validated against the cached catalogue,
numbered, and stored with its events in one insert, then answered. Approval opens
the case from the application_accepted event; the deadlines on the acceptance
notice come from the shared working-day clock here, so no RPC sits in the path.
"""
import datetime as dt
import logging

from services.common import caselist, contracts, policy
from services.common.config import float_setting, setting
from services.common.context import RequestId
from services.common.entrypoints import OutboxSweeper, timer
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound, Unavailable
from services.common.localtime import local_today
from services.common.mongo import Storage
from services.common.outbox import Outbox
from services.common.rpc import TimeoutRpcProxy, rpc
from services.common.timers import setting_timer
from services.intake import privacy, queues, timers, workflow
from services.intake.application import validate_application, validate_materials
from services.intake.case_numbers import case_number, counter_key, local_date
from services.intake.catalogue_entrypoints import CatalogueEntrypoints
from services.intake.completeness import check_completeness, merge_materials, still_missing
from services.intake.dependencies import CachedCalendar, CachedCatalogue
from services.intake.privacy import stored_applicant
from services.intake.public_window import PublicWindowEntrypoints
from services.intake.records import case_fields, case_view, fingerprint, new_record
from services.intake.store import APPLICATIONS, KEY_INDEX, DuplicateCase, IntakeStore

log = logging.getLogger(__name__)
# Numbers tried when case numbers collide (a counter that lost increments); each collision
# moves the counter past the highest stored number, so the second try normally wins.
MAX_NUMBERING_ATTEMPTS = 5


def _now() -> tuple[str, str]:
    """(UTC ISO timestamp, Asia/Shanghai date) for this moment."""
    moment = dt.datetime.now(dt.UTC)
    return moment.isoformat(), local_date(moment).isoformat()


class IntakeService(CatalogueEntrypoints, PublicWindowEntrypoints, OutboxSweeper):
    name = contracts.Intake.SERVICE

    request_id = RequestId()
    store = Storage(IntakeStore)
    outbox = Outbox(APPLICATIONS)
    catalogue = CachedCatalogue()
    calendar = CachedCalendar()
    approval = TimeoutRpcProxy(contracts.Approval.SERVICE, timeout=5)

    # --- calendar ---------------------------------------------------------
    @timer(interval=1, eager=True)
    def refresh_calendar(self):
        """Fetch the calendar years admins keep in approval (last, this and next year), when due."""
        if not self.calendar.due():
            return
        year = local_today().year
        try:
            views = [self.approval.get_calendar_year(y) for y in (year - 1, year, year + 1)]
        except Exception as exc:  # approval not up yet: bundled data meanwhile, next tick retries
            log.warning("calendar refresh failed: %r", exc)
            return
        if self.calendar.update(views):
            log.info("working-day calendar updated from approval")

    # --- applications -----------------------------------------------------
    @rpc
    def submit_application(self, application, actor, idempotency_key=None):
        at, today = _now()
        key = f"{actor.get('username')}:{idempotency_key}" if idempotency_key else None
        code = application.get("item_code") if isinstance(application, dict) else None
        item = self.catalogue.get(code) if isinstance(code, str) and code else None
        try:
            cleaned = self.validate_licence_application(validate_application, application, item,
                                                        dt.date.fromisoformat(today))
        except InvalidInput:
            replay = self._replay(key, application) if key else None   # the item may have changed since
            if replay is None:
                raise
            return replay
        body_print = fingerprint(application) if key else None
        for _ in range(MAX_NUMBERING_ATTEMPTS):
            case_no, sequence_key = self._case_no(item, at)
            record, events = self._received(case_no, cleaned, item, actor, at, today, key, body_print)
            try:
                self.store.insert_application(record, events)
            except DuplicateCase as duplicate:
                if duplicate.field == KEY_INDEX:
                    return self._replay(key, application)
                log.error("case number %s already taken: counter behind, skipping past it", case_no)
                self.store.skip_taken(sequence_key, sequence_key + "-")
                continue
            self._publish(case_no, events)
            return case_view(record)
        raise Unavailable("办件编号分配失败，请稍后重试")

    @rpc
    def get_application(self, case_no, actor=None):
        record = self._record(case_no)
        authority = self._authority(record) if actor and queues.legal_actions(record) else None
        return {**case_view(record), **queues.queue_fields(record, self._clock(), local_today(), actor, authority)}

    @rpc
    def list_applications(self, query, actor):
        query = {**caselist.check_query(query or {}), "as_of": query["as_of"], "after": query.get("after")}
        records = self.store.pending_applications(policy.case_scope(actor or {}), query["as_of"])
        return queues.page(records, query, actor or {}, self._clock(), local_today(), case_view)

    def _clock(self):
        return self.calendar.clock

    # --- idempotency keys: kept IDEMPOTENCY_RETENTION_HOURS, as the gateway keeps its own ---------
    @setting_timer("IDEMPOTENCY_SWEEP_SECONDS")
    def release_idempotency_keys(self):
        window = dt.timedelta(hours=float_setting("IDEMPOTENCY_RETENTION_HOURS"))
        released = self.store.release_keys((dt.datetime.now(dt.UTC) - window).isoformat())
        if released:
            log.info("released %d submission idempotency keys past their %s window", released, window)

    # --- legal time limits before acceptance (issue 5; domain in services/intake/timers.py) ---
    @setting_timer("SUPERVISION_SCAN_SECONDS")
    def watch_deadlines(self):
        self.scan_deadlines()

    def scan_deadlines(self):
        clock, today = self._clock(), local_today()
        for record in self.store.applications_in(timers.WATCHED):
            try:
                self._apply_due(record, timers.due(record, clock, today), today)
            except Conflict:
                continue  # another replica (or a person) changed it first
            except Exception:
                log.exception("time-limit scan of %s failed", record.get("case_no"))

    def _apply_due(self, record, due, today):
        at = dt.datetime.now(dt.UTC).isoformat()
        if due.action == "deemed_accept":
            result = self._completeness(record, due.on.isoformat())
            self._accept(record, result, at, due.on.isoformat(), timers.SYSTEM_ACTOR, "deemed_accept")
        elif due.action == "withdraw":
            fields = timers.withdraw(record, due.on, at, today)
            self._save(record, [(contracts.APPLICATION_WITHDRAWN, {**case_fields(record), **fields})])
        for row in due.alerts:
            holder = (record.get("first_contact") or {}).get("username")
            self.approval.raise_alert({**case_fields(record), "holder": holder}, row)

    @rpc
    def get_contact(self, case_no, actor=None):
        """The applicant's full phone and email, for notification's SMS and email; never shown to anyone.
        Only notification may ask, naming itself in a signed call (anyone else on the broker cannot)."""
        privacy.check_may_contact(actor)
        applicant = self._record(case_no, ("applicant",))["applicant"]  # one read per SMS sent: only that
        phone = privacy.reveal(applicant, "phone", setting("PII_KEY"), case_no, "notification", "发送短信通知")
        return {"phone": phone, "email": applicant.get("email")}

    @rpc
    def reveal_applicant(self, case_no, actor, reason):
        """The full ID number and phone for staff of the case's department, each read logged with who and why."""
        record = self._record(case_no)
        privacy.check_may_reveal(actor, record.get("department"), reason)
        key, who = setting("PII_KEY"), actor["username"]
        return {"case_no": case_no,
                "id_number": privacy.reveal(record["applicant"], "id_number", key, case_no, who, reason),
                "phone": privacy.reveal(record["applicant"], "phone", key, case_no, who, reason)}

    @rpc
    def supplement(self, case_no, materials, actor):
        at, today = _now()
        record = self._record(case_no)
        if actor.get("role") == "applicant" and actor.get("username") != record["owner"]:
            raise Forbidden("只能为本人的办件补正材料")
        workflow.require_action(record, "supplement")
        errors = []
        handed = validate_materials(materials, record["item"], errors)
        if errors:
            raise InvalidInput(f"补正材料有{len(errors)}处错误", errors)
        record["materials"] = merge_materials(record["materials"], handed)
        result = self._completeness(record, today)
        remaining = still_missing(record["missing"], result)
        if remaining:
            return self._save(record, workflow.keep_waiting(record, remaining, at, actor))
        return self._accept(record, result, at, today, actor, "supplement")

    @rpc
    def transition(self, case_no, action, actor, params=None):
        at, today = _now()
        record = self._record(case_no)
        workflow.require_action(record, action)
        self._authorise(record, actor, action)
        if action == "refuse":
            reason = workflow.refusal_reason(params)
            return self._save(record, workflow.refuse(record, reason, at, today, actor))
        result = self._completeness(record, today)
        if result.complete:
            return self._accept(record, result, at, today, actor, "accept")
        return self._save(record, workflow.issue_one_time_notice(record, result, at, today, actor, "accept"))

    # --- helpers ----------------------------------------------------------
    def _authorise(self, record, actor, action):
        """The one policy, with the letters in force (AB岗 receiving posts) and who is away, from approval;
        a refusal outside a post letter is recorded there as 越权."""
        authority = self._authority(record)
        verdict = policy.judge(actor, action, record, authority, local_today())
        if not verdict:
            if verdict.violation:
                self.approval.record_violation(case_fields(record), action, actor, verdict.reason)
            raise Forbidden(verdict.reason)

    def _authority(self, record):
        try:
            return self.approval.authority(record["department"])
        except Exception as exc:  # approval silent: roles and departments still decide
            log.warning("authority of %s not available: %r; judging by roles", record["department"], exc)
            return None

    def _replay(self, key, application):
        """The case stored under this key, only for the very same body; another body: 409.
        None when no case was stored under the key."""
        existing = self.store.application_by_key(key)
        if existing is None:
            return None
        if existing.get("fingerprint") != fingerprint(application):
            raise Conflict("该幂等键已用于另一份申请")
        return case_view(existing)

    def _record(self, case_no, fields: tuple[str, ...] = ()):
        record = self.store.get_application(case_no, fields) if isinstance(case_no, str) else None
        if record is None:
            raise NotFound(f"没有编号为 {case_no} 的办件")
        return record

    def _case_no(self, item, at):
        """A fresh case number and the sequence it was drawn from."""
        day = local_date(dt.datetime.fromisoformat(at))
        key = counter_key(setting("REGION_CODE"), item["department"], day)
        number = case_number(setting("REGION_CODE"), item["department"], day, self.store.sequences.next(key))
        return number, key

    def _completeness(self, record, today):
        return check_completeness(record["item"]["materials"], record["materials"], record["pledge_requests"],
                                  dt.date.fromisoformat(today))

    def _received(self, case_no, application, item, actor, at, today, key, body_print):
        """A new application record and its first events (built, not stored)."""
        applicant = stored_applicant(application["applicant"], setting("PII_KEY"))
        record = new_record(case_no, application, item, actor, applicant, at, today, key, body_print)
        result = self._completeness(record, today)
        if application["channel"] != "window":
            events = workflow.to_pre_review(record, at, actor)
        elif not result.complete:
            events = workflow.issue_one_time_notice(record, result, at, today, actor, "submit")
        else:
            events = [self._accepted_event(record, result, at, today, actor, "submit")]
        events.insert(0, workflow.received_event(record))
        return record, self._built(events)

    def _accept(self, record, result, at, today, actor, action):
        return self._save(record, [self._accepted_event(record, result, at, today, actor, action)])

    def _accepted_event(self, record, result, at, today, actor, action):
        """Accept with deadlines on the shared working-day clock; approval opens the case from this event."""
        fields = workflow.accept(record, result, at, today, actor, action, self.calendar)
        return self._event(contracts.APPLICATION_ACCEPTED, fields)

    def _event(self, event_type, fields):
        return contracts.event(event_type, request_id=self.request_id, **fields)

    def _built(self, events):
        """Events as stored: (type, fields) pairs built now, already built ones as they are."""
        return [e if isinstance(e, dict) else self._event(*e) for e in events]

    def _publish(self, case_no, events, backlog=False):
        """The change is stored with its events: relay them off the request's path (the sweep covers
        a crash); behind a backlog of an earlier write, everything pending goes, in order."""
        self.outbox.relay(APPLICATIONS, case_no, events, backlog)

    def _save(self, record, events):
        fields = {name: record[name] for name in workflow.MUTABLE}
        built = self._built(events)
        if not self.store.update_application(record["case_no"], record["version"], fields, built):
            raise Conflict("办件已被他人处理，请刷新后重试")
        self._publish(record["case_no"], built, backlog=bool(record.get("outbox_pending")))
        record["version"] += 1
        return case_view(record)
