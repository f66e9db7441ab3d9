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


class MaskingFilter(logging.Filter):
    """Rewrites each record's message with personal numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
