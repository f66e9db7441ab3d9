"""The approval service (审批服务): owns a case from acceptance to closure.

Thin Nameko entrypoints: parse, call the domain (workflow, clock, certificates),
store the change and its events in one write, flush the outbox.
"""
import datetime as dt
import logging

from services.approval import workflow
from services.approval.cases import (
    advanced,
    case_view,
    changed_fields,
    check_accepted,
    history_entry,
    new_case,
)
from services.approval.events import step_events
from services.approval.licences import LicenceEntrypoints
from services.approval.store import CASES, CERTIFICATES, ApprovalStore
from services.common import contracts
from services.common.calendar import OfficialCalendar, parse_date, validate_year, year_view
from services.common.clock import WorkingDayClock
from services.common.context import RequestId
from services.common.entrypoints import OutboxSweeper
from services.common.errors import Forbidden, InvalidInput, field_error
from services.common.handlers import handle
from services.common.localtime import local_today
from services.common.mongo import Storage
from services.common.outbox import Outbox
from services.common.rpc import TimeoutRpcProxy, rpc

log = logging.getLogger(__name__)
ACCEPTED = contracts.APPLICATION_ACCEPTED


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class ApprovalService(LicenceEntrypoints, OutboxSweeper):
    name = contracts.Approval.SERVICE
    request_id = RequestId()
    store = Storage(ApprovalStore)
    outbox = Outbox(CASES, CERTIFICATES)
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
    def get_case(self, case_no):
        return case_view(self.store.case(case_no), self._clock(), local_today())

    @rpc
    def transition(self, case_no, action, actor, params=None):
        case, actor = self.store.case(case_no), actor or {}
        clock, today, now = self._clock(), local_today(), utc_now()
        step = workflow.apply(case, action, actor, params or {}, today)
        after = advanced(case, step, clock, today)
        # The certificate rides in the case's own guarded write (one outcome); filed after it.
        certificate = self.new_certificate(after, today, now) if action == "issue_certificate" else None
        if certificate:
            after.update(certificate_no=certificate["certificate_no"], certificate=certificate)
        events = step_events(after, step, actor, self.request_id, today, certificate)
        update = {"$set": {**changed_fields(after, step), "updated_at": now},
                  "$push": {"history": history_entry(step, actor, now)}}
        if certificate:
            update["$set"].update(certificate=certificate, certificate_pending=True)
        self.store.update_case(case_no, case["version"], update, events)
        self._publish(case_no)
        if certificate:
            self.file_certificate(certificate)
        return case_view(self.store.case(case_no), clock, today)

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
        return WorkingDayClock(OfficialCalendar(self.store.calendar_years()))

    def _open_case(self, payload):
        payload = check_accepted(payload)
        clock, today = self._clock(), local_today()
        item = payload["item"]
        deadlines = clock.deadlines(parse_date(payload["accepted_on"]), item["promised_days"], item["statutory_days"])
        # Idempotent: case_no is the _id, a second open finds the first one.
        self.store.insert_case(new_case(payload, deadlines, utc_now()))
        return case_view(self.store.case(payload["case_no"]), clock, today)
