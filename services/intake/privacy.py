"""Personal data of applicants at rest: the full ID number is never stored, only
its keyed hash (HMAC-SHA256, for look-ups) and its masked form."""
import hashlib
import hmac

from services.common.masking import mask_id_number, mask_phone


def id_number_hash(id_number: str, key: str) -> str:
    return hmac.new(key.encode(), id_number.upper().encode(), hashlib.sha256).hexdigest()


def stored_applicant(applicant: dict, key: str) -> dict:
    """What intake keeps of the applicant (the phone stays: staff call and text it)."""
    stored = {k: v for k, v in applicant.items() if k != "id_number" and v is not None}
    if applicant.get("id_number"):
        stored["id_number_masked"] = mask_id_number(applicant["id_number"])
        stored["id_number_hash"] = id_number_hash(applicant["id_number"], key)
    return stored


def applicant_view(stored: dict) -> dict:
    """The applicant as views and events show it: ID number and phone masked."""
    view = {k: v for k, v in stored.items() if k not in ("id_number_masked", "id_number_hash", "phone")}
    if "id_number_masked" in stored:
        view["id_number"] = stored["id_number_masked"]
    view["phone"] = mask_phone(stored.get("phone"))
    return view
