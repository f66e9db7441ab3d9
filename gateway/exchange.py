"""The national exchange format (GB/T 39046-2020): code tables kept as data per
province (gateway/exchange_codes/<province code>.json), and a case rendered
with the exchange's field names and codes.

Plain Python. Which province's tables apply: EXCHANGE_PROVINCE, else the
province of REGION_CODE (its first two digits + "0000").
"""
import json
from functools import cache
from pathlib import Path

from services.common.masking import mask_id_number, mask_name

CODES_DIR = Path(__file__).with_name("exchange_codes")


class UnknownTable(KeyError):
    pass


def province_of(region_code: str, override: str | None = None) -> str:
    return override or (region_code[:2] + "0000")


@cache
def load(province: str) -> dict:
    path = CODES_DIR / f"{province}.json"
    if not path.is_file():
        path = CODES_DIR / "410000.json"  # the national defaults this centre's province publishes
    return json.loads(path.read_text(encoding="utf-8"))


def table_names(province: str) -> list[str]:
    return sorted(load(province)["tables"])


def table(province: str, name: str) -> dict:
    data = load(province)
    if name not in data["tables"]:
        raise UnknownTable(name)
    found = data["tables"][name]
    return {"table": name, "province": data["province"], "standard": data["standard"], "title": found["title"],
            "codes": found["codes"]}


def code_for(province: str, name: str, ours) -> str | None:
    for row in load(province)["tables"][name]["codes"]:
        if row["ours"] == ours:
            return row["code"]
    return None


def render_case(province: str, case: dict, full_applicant: bool = False) -> dict:
    """A case view as the exchange expects it: its field names, its codes; personal data masked
    (the applicant's name too, unless the caller is entitled to the case)."""
    data = load(province)
    fields = data["fields"]
    applicant = case.get("applicant") or {}
    deadlines = case.get("deadlines") or {}
    kind = case.get("case_kind") or (case.get("item") or {}).get("case_kind")
    values = {
        "case_no": case.get("case_no"),
        "item_code": case.get("item_code"),
        "item_name": case.get("item_name"),
        "case_kind": code_for(province, "case_kind", kind),
        "department": case.get("department"),
        "channel": code_for(province, "channel", case.get("channel")),
        "applicant_type": code_for(province, "applicant_type", applicant.get("type")),
        "applicant_name": applicant.get("name") if full_applicant else mask_name(applicant.get("name")),
        "applicant_id_number": mask_id_number(applicant.get("id_number") or applicant.get("credit_code")),
        "status": code_for(province, "status", case.get("status")),
        "received_at": case.get("received_at"),
        "accepted_on": case.get("accepted_on"),
        "promised_date": deadlines.get("promised"),
        "statutory_date": deadlines.get("statutory"),
        "certificate_no": case.get("certificate_no"),
        "satisfaction": code_for(province, "satisfaction", (case.get("rating") or {}).get("level")),
        "updated_at": case.get("updated_at"),
    }
    record = {fields[name]: value for name, value in values.items() if name in fields and value is not None}
    return {"standard": data["standard"], "province": data["province"], "record": record}
