"""Completeness check behind the one-time notice (一次性告知).

Compares the materials handed in with the item's list and names every missing
or defective required material at once. A material covered by a valid pledge
(告知承诺) does not block acceptance; it is tracked with its due date.
"""
import datetime as dt
from dataclasses import dataclass, field

NOT_SUBMITTED = "未提交"
ORIGINAL_REQUIRED = "须提交原件核验"


def short_copies(needed: int, given: int) -> str:
    return f"份数不足：需{needed}份，已交{given}份"


@dataclass(frozen=True)
class Completeness:
    missing: list[dict] = field(default_factory=list)   # [{"code","name","reason"}]
    pledged: list[dict] = field(default_factory=list)   # [{"code","name","due_date","reason"}]

    @property
    def complete(self) -> bool:
        return not self.missing


def _defect(required: dict, handed: dict | None) -> str | None:
    """Why a required material does not count as handed in, or None."""
    if handed is None:
        return NOT_SUBMITTED
    reasons = []
    copies = handed.get("copies")
    if copies is not None and copies < required.get("copies", 1):
        reasons.append(short_copies(required.get("copies", 1), copies))
    if required.get("original") and handed.get("original") is False:
        reasons.append(ORIGINAL_REQUIRED)
    return "；".join(reasons) or None


def check_completeness(
    required: list[dict], handed_in: list[dict], pledges: list[dict], today: dt.date
) -> Completeness:
    """`required`: the item's material list; `handed_in`: [{"code", "copies"?, "original"?}];
    `pledges`: [{"material_code", "due_date"}]; only pledges due after `today` count."""
    handed = {m["code"]: m for m in handed_in}
    pledged_until = {
        p["material_code"]: p["due_date"] for p in pledges if dt.date.fromisoformat(p["due_date"]) > today
    }
    missing, pledged = [], []
    for material in required:
        if not material.get("required", True):
            continue
        reason = _defect(material, handed.get(material["code"]))
        if reason is None:
            continue
        entry = {"code": material["code"], "name": material["name"], "reason": reason}
        if material["code"] in pledged_until and material.get("pledgeable", True):
            pledged.append({**entry, "due_date": pledged_until[material["code"]]})
        else:
            missing.append(entry)
    return Completeness(missing=missing, pledged=pledged)


def merge_materials(earlier: list[dict], later: list[dict]) -> list[dict]:
    """Materials after a supplement (补正): a later entry replaces an earlier one of the same code."""
    merged = {m["code"]: m for m in earlier}
    merged.update({m["code"]: m for m in later})
    return list(merged.values())


def still_missing(first_notice: list[dict], recheck: Completeness) -> list[dict]:
    """What remains of the first notice after a supplement. Never more: the
    one-time notice listed everything, so nothing new is asked for later."""
    asked = {m["code"] for m in first_notice}
    return [m for m in recheck.missing if m["code"] in asked]
