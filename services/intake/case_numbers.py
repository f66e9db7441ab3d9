"""Case numbers (办件编号): {REGION_CODE}-{DEPARTMENT}-{YYYYMMDD}-{seq:05d}, at most 50 characters
(GB/T 39046-2020), unique per region, department and local (Asia/Shanghai) day."""
import datetime as dt
import re
import threading
from collections.abc import Callable

from services.common.localtime import local_date

__all__ = ["MAX_LENGTH", "SequenceBlocks", "case_number", "counter_key", "local_date"]
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


class SequenceBlocks:
    """Hands out sequence numbers from blocks reserved with one journaled counter write each.

    `reserve(key, size)` raises the stored counter by `size` and returns its new value: the block
    is the `size` numbers below and including it, this process's alone (another replica's write
    reserves the next block). A crash leaves the rest of a block unused, a gap, never a number
    handed out twice. Numbers of one process rise within a day; replicas interleave blocks."""

    def __init__(self, reserve: Callable[[str, int], int], size: int = 10, lock_factory=threading.Lock):
        if size < 1:
            raise ValueError("block size must be at least 1")
        self._reserve, self._size, self._lock = reserve, size, lock_factory()
        self._blocks: dict[str, tuple[int, int]] = {}   # key -> (next to hand out, last of the block)

    def next(self, key: str) -> int:
        with self._lock:
            following, last = self._blocks.get(key, (1, 0))
            if following > last:
                last = self._reserve(key, self._size)
                following = last - self._size + 1
                if len(self._blocks) > 1024:      # yesterday's keys
                    self._blocks.clear()
            self._blocks[key] = (following + 1, last)
            return following

    def drop(self, key: str) -> None:
        """Forget the block of `key` (its numbers were found taken): the next number reserves afresh."""
        with self._lock:
            self._blocks.pop(key, None)
