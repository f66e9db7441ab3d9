"""Format checks for the identifiers an applicant gives: 居民身份证号码 (GB 11643),
统一社会信用代码 (GB 32100) and mainland mobile numbers.

Each `*_problem` function returns a Chinese message saying what is wrong, or
None when the value is valid, so callers can collect every bad field at once.
"""
import datetime as dt
import re

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# First two digits: provinces and regions (GB/T 2260), 83 = Taiwan residents' residence permits.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# ASCII digits only, and \Z (not $, which lets a trailing newline through).
MOBILE = re.compile(r"^1[3-9][0-9]{9}\Z")


def id_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number (ISO 7064 MOD 11-2)."""
    total = sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_problem(value, today: dt.date | None = None) -> str | None:
    if not isinstance(value, str) or not value:
        return "请填写身份证号码"
    value = value.upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return "身份证号码应为18位（前17位为数字，末位为数字或X）"
    if value[:2] not in PROVINCE_CODES:
        return "身份证号码的地址码无效"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if born.year < 1900 or born > (today or dt.date.today()):
        return "身份证号码中的出生日期无效"
    if id_check_digit(value[:17]) != value[17]:
        return "身份证号码校验码错误"
    return None


def is_valid_id_number(value, today: dt.date | None = None) -> bool:
    return id_number_problem(value, today) is None


def credit_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100, MOD 31)."""
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_problem(value) -> str | None:
    if not isinstance(value, str) or not value:
        return "请填写统一社会信用代码"
    value = value.upper()
    if len(value) != 18 or any(ch not in CREDIT_CHARS for ch in value):
        return "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"
    if not re.fullmatch(r"[0-9]{6}", value[2:8]):
        return "统一社会信用代码中的登记管理机关行政区划码无效"
    if credit_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验码错误"
    return None


def is_valid_credit_code(value) -> bool:
    return credit_code_problem(value) is None


def mobile_problem(value) -> str | None:
    if not isinstance(value, str) or not value:
        return "请填写手机号码"
    if not MOBILE.match(value):
        return "手机号码应为11位大陆手机号（1开头，第二位3-9）"
    return None


def is_valid_mobile(value) -> bool:
    return mobile_problem(value) is None
