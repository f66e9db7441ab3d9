"""Case queues (`GET /v1/cases`): one order, and cursors that never skip or repeat a case.

Every case carries a `sort_key` ("<0 urgent|1>|<most urgent deadline>|<case_no>",
see supervision.sort_key), the time it last changed (`sort_changed_at`) and
the few keys it had before (`sort_history`: [{"key","from"}]). A listing
starts at an instant `as_of` and pages by the key each case had *at that
instant*: a case that moves while someone pages (paused, extended, marked
urgent) keeps its old place for that listing, so it is seen exactly once.
Cases that arrive after `as_of` wait for the next listing. Intake (before
acceptance) and approval (after) page the same way; the gateway merges both.
"""
import base64
import binascii
import json

from services.common.errors import InvalidInput, field_error

MAX_LIMIT, DEFAULT_LIMIT = 200, 50
HISTORY_KEEP = 16
FILTERS = ("status", "department", "supervision", "queue")
SUPERVISION_STATES = ("green", "yellow", "red")
QUEUES = ("mine", "all")


def encode_cursor(as_of: str, after: str | None) -> str:
    raw = json.dumps({"as_of": as_of, "after": after}, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(data.get("as_of"), str) or not isinstance(data.get("after"), str | None):
            raise ValueError
        return {"as_of": data["as_of"], "after": data["after"]}
    except (ValueError, binascii.Error, AttributeError, UnicodeDecodeError):
        raise InvalidInput("分页游标无效", [field_error("cursor", "游标无效，请从第一页重新查询")]) from None


def check_query(params: dict) -> dict:
    """The list query, checked: every bad parameter at once."""
    errors = []
    if params.get("supervision") not in (None, *SUPERVISION_STATES):
        errors.append(field_error("supervision", "须为 green、yellow 或 red"))
    if params.get("queue") not in (None, *QUEUES):
        errors.append(field_error("queue", "须为 mine 或 all"))
    limit = params.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        errors.append(field_error("limit", f"须为 1–{MAX_LIMIT} 之间的整数"))
    if errors:
        raise InvalidInput("查询参数无效", errors)
    return {**{name: params.get(name) for name in FILTERS}, "limit": limit}


def key_as_of(document: dict, as_of: str) -> str | None:
    """The sort key a case had at `as_of` (None if it had none yet)."""
    if document.get("sort_changed_at", "") <= as_of:
        return document.get("sort_key")
    earlier = [entry for entry in document.get("sort_history") or () if entry["from"] <= as_of]
    return max(earlier, key=lambda e: e["from"])["key"] if earlier else None


def key_change(old_key: str | None, new_key: str, now: str) -> dict:
    """The update that moves a case to a new place in the queues (empty if it stays)."""
    if old_key == new_key:
        return {}
    return {"$set": {"sort_key": new_key, "sort_changed_at": now},
            "$push": {"sort_history": {"$each": [{"key": new_key, "from": now}], "$slice": -HISTORY_KEEP}}}


def merge(pages: list[list[tuple[str, dict]]], limit: int) -> list[tuple[str, dict]]:
    """Merge sorted (key, case) pages; the first `limit` in key order."""
    rows = sorted((row for page in pages for row in page), key=lambda row: row[0])
    return rows[:limit]


def source_page(rows: list[tuple[str, dict]], limit: int, scanned: int, scan_limit: int,
                last_scanned: str | None) -> dict:
    """One source's answer: its rows (at most `limit`) and its `bound`, the key up to which it has
    looked (None when nothing lies beyond). `rows` are the matches among `scanned` candidates."""
    if len(rows) >= limit:
        rows = rows[:limit]
        return {"rows": rows, "bound": rows[-1][0]}
    return {"rows": rows, "bound": last_scanned if scanned >= scan_limit else None}


def merge_sources(sources: list[dict], limit: int) -> tuple[list[tuple[str, dict]], str | None, bool]:
    """Merge several sources' pages: (rows, next_after, more). Rows beyond a source's bound are held
    back (that source has not looked there yet), so the merged order never skips a case."""
    bounds = [s["bound"] for s in sources if s["bound"] is not None]
    cutoff = min(bounds) if bounds else None
    rows = merge([[r for r in s["rows"] if cutoff is None or r[0] <= cutoff] for s in sources], limit)
    if len(rows) == limit:
        return rows, rows[-1][0], True
    return rows, cutoff, cutoff is not None
