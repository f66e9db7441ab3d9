"""Personal data of applicants at rest (issue 8): the ID number and the phone are
stored encrypted (AES-256-GCM, key from PII_KEY, bound to the field), beside a
keyed hash for look-ups (HMAC-SHA256) and the masked form views show. Reading a
full value goes through `reveal`, which logs who read which field of which case
and why. Records stored before encryption (a clear `phone`) are still read.
"""
import hashlib
import hmac
import logging

from services.common import contracts
from services.common.crypto import FieldCipher
from services.common.errors import Forbidden, InvalidInput, field_error
from services.common.masking import mask_id_number, mask_phone

NOTIFICATION = contracts.service_actor(contracts.Notification.SERVICE)

log = logging.getLogger("intake.pii")

ENCRYPTED = {"id_number": "id_number_encrypted", "phone": "phone_encrypted"}
HIDDEN = ("id_number_masked", "id_number_hash", "id_number_encrypted", "phone", "phone_masked", "phone_hash",
          "phone_encrypted")


def id_number_hash(id_number: str, key: str) -> str:
    return hmac.new(key.encode(), id_number.upper().encode(), hashlib.sha256).hexdigest()


def stored_applicant(applicant: dict, key: str) -> dict:
    """What intake keeps of the applicant: the full ID number and phone only encrypted."""
    cipher = FieldCipher(key)
    stored = {k: v for k, v in applicant.items() if k not in ("id_number", "phone") and v is not None}
    if applicant.get("id_number"):
        stored["id_number_masked"] = mask_id_number(applicant["id_number"])
        stored["id_number_hash"] = id_number_hash(applicant["id_number"], key)
        stored["id_number_encrypted"] = cipher.encrypt(applicant["id_number"], "applicant.id_number")
    if applicant.get("phone"):
        stored["phone_masked"] = mask_phone(applicant["phone"])
        stored["phone_hash"] = cipher.lookup_hash(applicant["phone"])
        stored["phone_encrypted"] = cipher.encrypt(applicant["phone"], "applicant.phone")
    return stored


def reveal(stored: dict, field: str, key: str, case_no: str, who: str, why: str) -> str | None:
    """The full value of `field` ("id_number" or "phone"), logged with who read it and why."""
    token = stored.get(ENCRYPTED[field])
    value = FieldCipher(key).decrypt(token, f"applicant.{field}") if token else stored.get(field)
    if value is not None:
        log.info("personal data read in full", extra={"pii_field": field, "case_no": case_no, "read_by": who,
                                                      "reason": why})
    return value


def applicant_view(stored: dict) -> dict:
    """The applicant as views and events show it: ID number and phone masked."""
    view = {k: v for k, v in stored.items() if k not in HIDDEN}
    if "id_number_masked" in stored:
        view["id_number"] = stored["id_number_masked"]
    view["phone"] = stored.get("phone_masked") or mask_phone(stored.get("phone"))
    return view


REVEALING_ROLES = ("clerk", "chief_rep", "reviewer", "department_admin")


def check_may_contact(actor: dict | None) -> None:
    """The applicant's full phone and email go to notification alone, for its SMS and email: it names
    itself (contracts.service_actor) in a call signed with the services' key."""
    if (actor or {}).get("username") != NOTIFICATION["username"]:
        raise Forbidden("只有通知服务可以读取申请人的完整联系方式")


def check_may_reveal(actor: dict | None, department: str | None, reason) -> None:
    """Only staff of the case's own department, and only with a stated reason."""
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 200:
        raise InvalidInput("请说明查看完整信息的理由", [field_error("reason", "必填，不超过200字")])
    if (actor or {}).get("role") not in REVEALING_ROLES or actor.get("department") != department:
        raise Forbidden("只有本部门窗口工作人员可以查看申请人完整证件号码和手机号码")
