"""The approval service (审批服务): owns a case from acceptance to closure.

Thin Nameko entrypoints: parse, call the domain (workflow, clock, certificates),
store the change and its events in one write, flush the outbox.
"""
import datetime as dt
import logging

from services.approval import workflow
from services.approval.authority import AuthorityMixin
from services.approval.cases import (
    advanced,
    case_view,
    changed_fields,
    check_accepted,
    deadlines_of,
    history_entry,
    list_fields,
    new_case,
    policy_case,
)
from services.approval.events import step_events
from services.approval.licences import LicenceEntrypoints
from services.approval.store import ALERTS, CASES, CERTIFICATES, DELEGATIONS, VIOLATIONS, ApprovalStore
from services.common import caselist, contracts, policy
from services.common.calendar import parse_date, validate_year, year_view
from services.common.clock import WorkingDayClock
from services.common.context import RequestId
from services.common.entrypoints import OutboxSweeper
from services.common.errors import Conflict, Forbidden, InvalidInput, field_error
from services.common.handlers import handle
from services.common.localtime import local_today
from services.common.mongo import Storage
from services.common.outbox import Outbox
from services.common.rpc import TimeoutRpcProxy, rpc

log = logging.getLogger(__name__)
ACCEPTED = contracts.APPLICATION_ACCEPTED


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class ApprovalService(AuthorityMixin, LicenceEntrypoints, OutboxSweeper):
    name = contracts.Approval.SERVICE
    request_id = RequestId()
    store = Storage(ApprovalStore)
    outbox = Outbox(CASES, CERTIFICATES, DELEGATIONS, VIOLATIONS, ALERTS)
    intake = TimeoutRpcProxy(contracts.Intake.SERVICE, timeout=5)


    # --- cases --------------------------------------------------------------------
    @rpc
    def open_case(self, payload):
        return self._open_case(payload)

    @handle(ACCEPTED)
    def on_application_accepted(self, payload):
        # Idempotent by case_no; a malformed event raises and ends in the dead-letter queue.
        self._open_case(payload)

    @rpc
    def get_case(self, case_no, actor=None):
        case, today = self.store.case(case_no), local_today()
        authority = self._authority(case["department"], today, for_view=True) if actor else None
        return case_view(case, self._clock(), today, actor, authority)

    @rpc
    def transition(self, case_no, action, actor, params=None):
        case, actor = self.store.case(case_no), actor or {}
        clock, today, now = self._clock(), local_today(), utc_now()
        if action not in workflow.ALLOWED_FROM:
            raise InvalidInput("未知的操作", [field_error("action", f"不支持的操作：{action}")])
        authority = self._authority(case["department"], today)
        verdict = policy.judge(actor, action, policy_case(case), authority, today)
        if not verdict:
            if verdict.violation:
                self._record_violation(case, action, actor, verdict.reason, now)
            raise Forbidden(verdict.reason)
        step = workflow.apply(case, action, actor, params or {}, today)
        after = advanced(case, step, clock, today, actor)
        # A certificate issued, or a licence cancelled on a 注销 application, rides in this very write.
        effects = self.licence_effects(after, step, actor, today, now)
        after.update(effects)
        events = step_events(after, step, actor, self.request_id, today, effects.get("certificate"))
        listing = self._listing_update(after, clock, today, now)   # its place in the queues, in the same write
        update = {"$set": {**changed_fields(after, step), "updated_at": now, **listing["$set"], **effects},
                  "$push": {"history": history_entry(step, actor, now), **listing.get("$push", {})}}
        self.store.update_case(case_no, case["version"], update, events)
        self._publish(case_no)
        self.complete_licence_effects(case_no, effects)
        return case_view(self.store.case(case_no), clock, today, actor, authority)

    @rpc
    def compute_deadlines(self, start_date, promised_days, statutory_days):
        errors = []
        try:
            start = parse_date(start_date)
        except (TypeError, ValueError):
            errors.append(field_error("start_date", "日期格式须为 YYYY-MM-DD"))
        for name, value in (("promised_days", promised_days), ("statutory_days", statutory_days)):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 3650:
                errors.append(field_error(name, "须为 0–3650 之间的整数"))
        if errors:
            raise InvalidInput("时限参数有误", errors)
        return self._clock().deadlines(start, promised_days, statutory_days)

    # --- calendar -------------------------------------------------------------------
    @rpc
    def set_calendar_year(self, year, holidays, workdays, actor):
        if (actor or {}).get("role") != "centre_admin":
            raise Forbidden("只有中心管理员可以维护节假日数据")
        entry = validate_year(year, holidays, workdays)
        saved = self.store.save_calendar_year(
            year, [d.isoformat() for d in entry["holidays"]], [d.isoformat() for d in entry["workdays"]],
            actor.get("username"), utc_now(),
        )
        self._recompute_open_cases()
        return year_view(year, saved)

    @rpc
    def get_calendar_year(self, year):
        if not isinstance(year, int) or isinstance(year, bool):
            raise InvalidInput("年份有误", [field_error("year", "须为整数")])
        return year_view(year, self.store.calendar_year(year))

    # --- helpers ------------------------------------------------------------------
    def _publish(self, case_no):
        """The change is stored with its events; if the broker fails now, the sweep publishes them later."""
        try:
            self.outbox.flush(CASES, case_no)
        except Exception:
            log.exception("outbox flush for case %s failed; left to the sweep", case_no)

    def _clock(self) -> WorkingDayClock:
        return self.store.clock.clock()

    def _open_case(self, payload):
        payload = check_accepted(payload)
        clock, today, now = self._clock(), local_today(), utc_now()
        item = payload["item"]
        deadlines = clock.deadlines(parse_date(payload["accepted_on"]), item["promised_days"], item["statutory_days"])
        case = new_case(payload, deadlines, now)
        listing = list_fields(case, clock, today)
        case.update(listing, listed_from=payload.get("accepted_at") or now, sort_changed_at=now,
                    sort_history=[{"key": listing["sort_key"], "from": payload.get("accepted_at") or now}])
        # Idempotent: case_no is the _id, a second open finds the first one (read only then).
        stored = case if self.store.insert_case(case) else self.store.case(payload["case_no"])
        return case_view(stored, clock, today)

    def _listing_update(self, case, clock, today, now) -> dict:
        """What keeps the case's place in the queues, its supervision state and its scan mark current
        (always a `$set`: the mark)."""
        fields = list_fields(case, clock, today)
        update = caselist.key_change(case.get("sort_key"), fields["sort_key"], now)
        update.setdefault("$set", {})["scanned_on"] = fields["scanned_on"]
        if not case.get("listed_from"):  # a case stored before queues existed
            update["$set"].update(listed_from=case.get("accepted_at") or now, departments=[case["department"]])
        if case.get("supervision_state") != fields["supervision_state"]:
            update["$set"]["supervision_state"] = fields["supervision_state"]
        return update

    def _recompute_open_cases(self):
        """A calendar year entered: every open case's deadlines are counted again (and lose `estimated`)."""
        clock, today, now = self._clock(), local_today(), utc_now()
        for case in self.store.all_open_cases(workflow.OPEN):
            deadlines = deadlines_of(case, clock, today)
            if deadlines != case.get("deadlines"):
                listing = self._listing_update({**case, "deadlines": deadlines}, clock, today, now)
                try:   # with its new place in the queues, in the one write
                    self.store.update_case(case["case_no"], case["version"],
                                           {**listing, "$set": {"deadlines": deadlines, **listing["$set"]}}, [])
                except Conflict:
                    continue  # changed meanwhile: its own step counted the deadlines again
        self.store.rescan_all()   # a stage's deadline may have moved with the calendar too
