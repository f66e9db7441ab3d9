"""The service centre's calendar day (setting TIMEZONE, default Asia/Shanghai).

Case numbers, acceptance and decision dates, deadlines and metrics periods are
local calendar days; timestamps are stored in UTC.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from services.common.config import setting


def local_zone() -> ZoneInfo:
    return ZoneInfo(setting("TIMEZONE"))


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date at the service centre for an aware datetime."""
    return moment.astimezone(local_zone()).date()


def local_today() -> dt.date:
    return local_date(dt.datetime.now(dt.UTC))
