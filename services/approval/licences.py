"""Approval's licence entrypoints (许可证全生命周期), inherited by ApprovalService.

Issuance is one write: the case's guarded update carries the certificate
(flagged `certificate_pending`) and the certificate_issued event. The
certificates collection is filed from that write right after it; a crash in
between is repaired by the filing sweep (idempotent, safe on every replica),
and a read in between finds the certificate in its case.
"""
import datetime as dt
import logging

from nameko.timer import timer

from services.approval import certificates, existing_licences, results
from services.approval.store import CERTIFICATES
from services.common import contracts
from services.common.config import float_setting, setting
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

    # --- issuing (called from the transition entrypoint) ---------------------------
    def new_certificate(self, case: dict, today: dt.date, now: str) -> dict:
        """The certificate an issue_certificate step records in the case's own write."""
        previous = None
        if certificates.licence_action(case) in certificates.CONTINUING_ACTIONS:
            # The licence the application named: intake keeps it with the application.
            licence_of = case.get("licence_of") or self.intake.get_application(case["case_no"]).get("licence_of")
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
        """The recovery path: certificates a crash left recorded in their case but not filed."""
        pending = self.store.cases_with_pending_certificate()
        for certificate in pending:
            self.file_certificate(certificate)
        return len(pending)

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
        certificate, today, now = self.find_certificate(certificate_no), local_today(), _utc_now()
        reason = certificates.check_transition(certificate, action, reason, actor or {}, today)
        update = certificates.transition_update(certificate, action, reason, actor, now, today)
        event = contracts.event(
            contracts.CERTIFICATE_STATUS_CHANGED, request_id=self.request_id, **_fields(certificate),
            certificate_no=certificate["certificate_no"], action=action,
            status=certificates.TRANSITION_STATUS[action],
            previous_status=certificates.current_status(certificate, today), reason=reason, on=today.isoformat())
        self.store.update_certificate(certificate["certificate_no"], certificate["version"], update, [event])
        self._flush_certificate(certificate["certificate_no"])
        return self.get_certificate(certificate["certificate_no"])

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
    @timer(interval=float_setting("CERTIFICATE_REMINDER_SECONDS"))
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
