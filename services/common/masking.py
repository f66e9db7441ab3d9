"""Masking of personal data (ID numbers, phones) for logs, pages and exports.

One helper for the whole platform: `110***********1234`, `138****5678`.
"""
import logging
import re

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{3})(\d{11})(\d{3}[\dXx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# Credit codes identify enterprises, not persons: they are not masked.


def _keep_first_three_last_four(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id_number(value: str | None) -> str | None:
    """First 3 and last 4 characters kept: 110***********1234."""
    return _keep_first_three_last_four(value)


def mask_phone(value: str | None) -> str | None:
    """First 3 and last 4 digits kept: 138****5678."""
    return _keep_first_three_last_four(value)


def mask_name(value: str | None) -> str | None:
    """Keep the family name only, for public listings: 张**."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1)


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number found in free text."""
    text = ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


# Attributes every LogRecord has; anything else came in through `extra=` and is masked too.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}
MAX_LOG_CHARS = 8000


def _mask_value(value):
    if isinstance(value, str):
        return mask_text(value)[:MAX_LOG_CHARS]
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    return value


class MaskingFilter(logging.Filter):
    """Rewrites each record with personal numbers masked: the message, the traceback (formatted here,
    masked, and the raw exception dropped so no formatter prints it again) and every `extra` field.
    Very long messages are cut: a 100 MB log line helps nobody."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if len(masked) > MAX_LOG_CHARS:
            masked = masked[:MAX_LOG_CHARS] + f"…[{len(masked) - MAX_LOG_CHARS} chars cut]"
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_text(text)[-MAX_LOG_CHARS:]
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)[-MAX_LOG_CHARS:]
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD:
                setattr(record, name, _mask_value(value))
        return True


class ExpectedErrorFilter(logging.Filter):
    """A domain error (a 4xx: bad input, not found, conflict...) is the caller's mistake, not the
    service's: logged at INFO without a traceback, whoever logged it (nameko logs one per call)."""

    def __init__(self, expected: tuple[type, ...]):
        super().__init__()
        self.expected = expected

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and isinstance(error, self.expected):
            record.exc_info, record.exc_text = None, None
            if record.levelno > logging.INFO:
                record.levelno, record.levelname = logging.INFO, "INFO"
        return True
