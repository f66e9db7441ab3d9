"""Approval's licence entrypoints (许可证全生命周期), inherited by ApprovalService.

Issuance is one write: the case's guarded update carries the certificate
(flagged `certificate_pending`) and the certificate_issued event. The
certificates collection is filed from that write right after it; a crash in
between is repaired by the filing sweep (idempotent, safe on every replica),
and a read in between finds the certificate in its case.
"""
import datetime as dt
import logging

from services.approval import certificates, existing_licences, results
from services.approval.store import CERTIFICATES
from services.common import contracts
from services.common.config import float_setting, setting
from services.common.entrypoints import timer
from services.common.errors import Conflict, NotFound
from services.common.localtime import local_today
from services.common.rpc import rpc

log = logging.getLogger(__name__)


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _fields(certificate: dict) -> dict:
    """The case fields a certificate event carries."""
    return {"case_no": certificate.get("case_no"), "item_code": certificate["item_code"],
            "item_name": certificate["item_name"], "department": certificate["department"],
            "owner": certificate.get("owner"), "submitted_by": certificate.get("submitted_by"),
            "channel": certificate.get("channel")}


class LicenceEntrypoints:
    """Needs `store`, `outbox`, `request_id` and `intake` (a TimeoutRpcProxy) on the service."""

    # --- effects of a case step on licences (called from the transition entrypoint) ----
    def licence_effects(self, case: dict, step, actor: dict, today: dt.date, now: str) -> dict:
        """The fields the step's own case write carries: an issued certificate (filed after the write),
        or, when a 注销 application is approved, the cancellation to apply to the licence it names."""
        if step.action == "issue_certificate":
            certificate = self.new_certificate(case, today, now)
            return {"certificate_no": certificate["certificate_no"], "certificate": certificate,
                    "certificate_pending": True}
        if step.status == "approved" and (case.get("item") or {}).get("licence_action") == "cancel":
            number = self._licence_of(case)
            if number:
                return {"licence_of": number, "cancellation_pending": {
                    "certificate_no": number, "reason": f"持证人申请注销，经审查准予注销（办件 {case['case_no']}）",
                    "actor": {"username": actor.get("username"), "role": actor.get("role")}}}
        return {}

    def complete_licence_effects(self, case_no: str, effects: dict) -> None:
        """After the case write: a failure here is the sweep's to repair, not the caller's error."""
        try:
            if effects.get("certificate"):
                self.file_certificate(effects["certificate"])
            if effects.get("cancellation_pending"):
                self.apply_cancellation(case_no, effects["cancellation_pending"])
        except Exception:
            log.exception("licence effects of case %s failed; left to the sweep", case_no)

    def apply_cancellation(self, case_no: str, pending: dict) -> None:
        """注销 the licence an approved cancellation application named; idempotent."""
        certificate, today = self.find_certificate(pending["certificate_no"]), local_today()
        if certificates.current_status(certificate, today) in certificates.TRANSITIONS["cancel"]:
            self._end(certificate, "cancel", pending["reason"], pending["actor"], today)
        self.store.cancellation_done(case_no)

    def _licence_of(self, case: dict) -> str | None:
        """The licence the application named: intake keeps it with the application."""
        return case.get("licence_of") or self.intake.get_application(case["case_no"]).get("licence_of")

    def new_certificate(self, case: dict, today: dt.date, now: str) -> dict:
        """The certificate an issue_certificate step records in the case's own write."""
        previous = None
        if certificates.licence_action(case) in certificates.CONTINUING_ACTIONS:
            licence_of = self._licence_of(case)
            if licence_of:
                previous = self.find_certificate(licence_of)
                certificates.check_continuable(previous, today)
        year_key = certificates.counter_key(case["department"], today.year)
        number = certificates.certificate_number(
            case["department"], setting("REGION_CODE"), today.year, self.store.next_sequence(year_key))
        return certificates.new_certificate(number, case, today, now, previous)

    def file_certificate(self, certificate: dict) -> None:
        """File the certificate of a case write and mark the licence it continues replaced; all idempotent."""
        self.store.file_certificate(certificate)
        if certificate.get("replaces"):
            now = _utc_now()
            self.store.mark_replaced(certificate["replaces"],
                                     certificates.replaced_update({}, certificate, now, local_today()))
        self.store.certificate_filed(certificate["case_no"])

    @timer(interval=float_setting("OUTBOX_SWEEP_SECONDS"))
    def file_pending_certificates(self):
        """The recovery path: certificates a crash left recorded in their case but not filed,
        and cancellations recorded with an approved 注销 application but not applied."""
        pending = self.store.cases_with_pending_certificate()
        for certificate in pending:
            self.file_certificate(certificate)
        cancellations = self.store.cases_with_pending_cancellation()
        for case_no, cancellation in cancellations:
            self.apply_cancellation(case_no, cancellation)
        return len(pending) + len(cancellations)

    def find_certificate(self, certificate_no) -> dict:
        number = str(certificate_no)
        found = self.store.find_certificate(number)
        if found is None:
            from_case = self.store.certificate_of_case(number)
            if from_case is None:
                raise NotFound(f"证书 {number} 不存在")
            self.file_certificate(from_case)
            found = self.store.find_certificate(number)
        return found

    # --- reading --------------------------------------------------------------------
    @rpc
    def get_certificate(self, certificate_no):
        return certificates.public_view(self.find_certificate(certificate_no), local_today())

    @rpc
    def get_certificate_record(self, certificate_no):
        return certificates.record_view(self.find_certificate(certificate_no), local_today())

    @rpc
    def list_results(self, department=None, date_from=None, date_to=None, limit=200):
        """结果公示: decisions with the holder masked."""
        query = results.check_query(department, date_from, date_to, limit)
        cases = self.store.decided_cases(query["department"], query["from"], query["to"], query["limit"])
        return [results.public_result(case) for case in cases]

    # --- staff actions --------------------------------------------------------------
    @rpc
    def certificate_transition(self, certificate_no, action, reason, actor):
        """撤销 / 注销, with the reason; the holder is told (certificate_status_changed)."""
        certificate, today = self.find_certificate(certificate_no), local_today()
        reason = certificates.check_transition(certificate, action, reason, actor or {}, today)
        self._end(certificate, action, reason, actor, today)
        return self.get_certificate(certificate["certificate_no"])

    def _end(self, certificate: dict, action: str, reason: str, actor: dict, today: dt.date) -> None:
        """撤销 / 注销 in one guarded write with the certificate_status_changed event."""
        update = certificates.transition_update(certificate, action, reason, actor, _utc_now(), today)
        event = contracts.event(
            contracts.CERTIFICATE_STATUS_CHANGED, request_id=self.request_id, **_fields(certificate),
            certificate_no=certificate["certificate_no"], action=action,
            status=certificates.TRANSITION_STATUS[action],
            previous_status=certificates.current_status(certificate, today), reason=reason, on=today.isoformat())
        self.store.update_certificate(certificate["certificate_no"], certificate["version"], update, [event])
        self._flush_certificate(certificate["certificate_no"])

    @rpc
    def register_certificate(self, body, actor):
        """存量证照: a licence issued before the platform, entered by its department's admin."""
        code = body.get("item_code") if isinstance(body, dict) else None
        item = self._item(code) if isinstance(code, str) and code else None
        checked = existing_licences.check_registration(body, item, actor or {})
        today, now = local_today(), _utc_now()
        number = certificates.certificate_number(
            item["department"], setting("REGION_CODE"), today.year,
            self.store.next_sequence(certificates.counter_key(item["department"], today.year)))
        certificate = existing_licences.registered_certificate(number, checked, item, actor, now, today)
        self.store.file_certificate(certificate)
        return certificates.record_view(certificate, today)

    # --- reminders (到期提醒) ------------------------------------------------------
    @timer(interval=float_setting("CERTIFICATE_REMINDER_SECONDS"), eager=True)
    def remind_expiring(self):
        """Safe with several replicas: each reminder is claimed by a version-guarded write with its event."""
        today = local_today()
        last_day = today + dt.timedelta(days=max(certificates.REMINDER_DAYS))
        sent = 0
        for certificate in self.store.certificates_expiring(today.isoformat(), last_day.isoformat()):
            threshold = certificates.reminder_due(certificate, today)
            if threshold is None:
                continue
            days_left = (dt.date.fromisoformat(certificate["valid_until"]) - today).days
            event = contracts.event(
                contracts.CERTIFICATE_EXPIRING, request_id=None, **_fields(certificate),
                certificate_no=certificate["certificate_no"], valid_until=certificate["valid_until"],
                days_left=days_left, threshold=threshold)
            try:
                self.store.update_certificate(certificate["certificate_no"], certificate["version"],
                                              certificates.reminded_update(certificate, threshold), [event])
            except Conflict:  # another replica claimed it (or the licence just changed): its turn, not ours
                continue
            self._flush_certificate(certificate["certificate_no"])
            sent += 1
        if sent:
            log.info("sent %d licence expiry reminders", sent)
        return sent

    # --- helpers ----------------------------------------------------------------------
    def _item(self, code):
        try:
            return self.intake.get_item(code)
        except NotFound:
            return None

    def _flush_certificate(self, certificate_no):
        try:
            self.outbox.flush(CERTIFICATES, certificate_no)
        except Exception:
            log.exception("outbox flush for certificate %s failed; left to the sweep", certificate_no)
