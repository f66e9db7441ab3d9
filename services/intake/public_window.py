"""Intake's entrypoints for the public window: the query code (查询码) check, and applications that
name a licence (延续/变更/补办/注销/校验), judged against approval's view of the certificate."""
import logging

from services.common.errors import InvalidInput, NotFound
from services.common.rpc import rpc
from services.intake import licence_rules, query_codes

log = logging.getLogger(__name__)


class PublicWindowEntrypoints:
    """Needs `store` and `approval` (a TimeoutRpcProxy) on the service."""

    @rpc
    def check_query_code(self, case_no, code):
        """True when `code` is the case's query code; NotFound otherwise, the same as an unknown case."""
        record = self.store.get_application(case_no) if isinstance(case_no, str) else None
        if record is None or not query_codes.matches(record.get("query_code"), code):
            raise NotFound(f"办件 {case_no} 不存在或查询码不正确")
        return True

    def validate_licence_application(self, validate, application, item, today):
        """`validate(application, item, today)` plus the named licence's checks, every bad field at once.
        Returns the cleaned application with `licence_of` (the certificate it names, or None)."""
        number = licence_rules.requested_number(application)
        errors = licence_rules.number_errors(item, number)
        if item is not None and not errors and licence_rules.needs_licence_number(item):
            errors = licence_rules.certificate_errors(item, self._certificate(number), today)
        try:
            cleaned = validate(application, item, today)
        except InvalidInput as invalid:
            raise InvalidInput(f"申请内容有{len(invalid.errors) + len(errors)}处错误",
                               invalid.errors + errors) from None
        if errors:
            raise InvalidInput(f"申请内容有{len(errors)}处错误", errors)
        return {**cleaned, "licence_of": number if licence_rules.needs_licence_number(item) else None}

    def _certificate(self, number):
        try:
            return self.approval.get_certificate(number)
        except NotFound:
            return None
