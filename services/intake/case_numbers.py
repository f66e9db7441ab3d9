"""Case numbers (办件编号): {REGION_CODE}-{DEPARTMENT}-{YYYYMMDD}-{seq:05d}, at most 50 characters
(GB/T 39046-2020), unique per region, department and local (Asia/Shanghai) day."""
import datetime as dt
import re

from services.common.localtime import local_date

__all__ = ["MAX_LENGTH", "case_number", "counter_key", "local_date"]
MAX_LENGTH = 50
REGION = re.compile(r"^\d{6}$")


def counter_key(region_code: str, department: str, day: dt.date) -> str:
    """The sequence a case number draws from: one per region, department and day."""
    return f"{region_code}-{department.upper()}-{day:%Y%m%d}"


def case_number(region_code: str, department: str, day: dt.date, sequence: int) -> str:
    if not REGION.match(region_code):
        raise ValueError(f"region code must be 6 digits (行政区划代码), got {region_code!r}")
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    number = f"{counter_key(region_code, department, day)}-{sequence:05d}"
    if len(number) > MAX_LENGTH:
        raise ValueError(f"case number longer than {MAX_LENGTH} characters: {number}")
    return number
