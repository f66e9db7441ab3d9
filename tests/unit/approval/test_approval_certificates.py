"""Certificate numbers, validity, statuses and the public view (许可证)."""
import datetime as dt

import pytest

from services.approval import certificates
from services.common.errors import Conflict, Forbidden, InvalidInput

D = dt.date
CASE = {
    "case_no": "411400-HEALTH-20260302-0001", "item_code": "HEALTH-PUBLIC-PLACE-NEW", "item_name": "公共场所卫生许可",
    "department": "health", "item": {"licence_valid_years": 4},
    "applicant": {"type": "enterprise", "name": "南湖宾馆有限公司", "credit_code": "91411400MA44XXXX1X"},
}


def test_number_is_ascii_url_safe_and_sortable():
    number = certificates.certificate_number("health", "411400", 2026, 123)
    assert number == "HEALTH-411400-2026-000123"
    assert number.isascii() and certificates.NUMBER_PATTERN.match(number)
    assert certificates.certificate_number("Market Sup", "411400", 2027, 1) == "MARKETSUP-411400-2027-000001"


def test_counter_key_per_department_and_year():
    assert certificates.counter_key("health", 2026) != certificates.counter_key("health", 2027)


def test_validity_runs_to_the_day_before_the_anniversary():
    assert certificates.validity(D(2026, 3, 15), 4) == (D(2026, 3, 15), D(2030, 3, 14))
    assert certificates.validity(D(2024, 2, 29), 1) == (D(2024, 2, 29), D(2025, 2, 28))
    assert certificates.validity(D(2024, 2, 29), 4) == (D(2024, 2, 29), D(2028, 2, 28))


def test_new_certificate_from_the_case():
    cert = certificates.new_certificate("HEALTH-411400-2026-000001", CASE, D(2026, 3, 15), "2026-03-15T02:00:00+00:00")
    assert cert["_id"] == cert["certificate_no"] == "HEALTH-411400-2026-000001"
    assert cert["holder_name"] == "南湖宾馆有限公司" and cert["status"] == "valid"
    assert (cert["valid_from"], cert["valid_until"]) == ("2026-03-15", "2030-03-14")


def test_status_expired_is_computed_from_the_date():
    cert = certificates.new_certificate("N", CASE, D(2026, 3, 15), "t")
    assert certificates.current_status(cert, D(2030, 3, 14)) == "valid"
    assert certificates.current_status(cert, D(2030, 3, 15)) == "expired"
    assert certificates.current_status({**cert, "status": "revoked"}, D(2031, 1, 1)) == "revoked"
    assert certificates.current_status({**cert, "status": "cancelled"}, D(2026, 4, 1)) == "cancelled"


def test_public_view_shows_an_enterprise_in_full_and_no_identifiers():
    cert = certificates.new_certificate("HEALTH-411400-2026-000001", CASE, D(2026, 3, 15), "t")
    view = certificates.public_view(cert, D(2026, 4, 1))
    assert {k: v for k, v in view.items() if k != "history"} == {
        "certificate_no": "HEALTH-411400-2026-000001", "item_code": "HEALTH-PUBLIC-PLACE-NEW",
        "item_name": "公共场所卫生许可", "licence_name": "公共场所卫生许可", "department": "health",
        "holder_name": "南湖宾馆有限公司", "valid_from": "2026-03-15",
        "valid_until": "2030-03-14", "status": "valid", "status_name": "有效", "case_no": "411400-HEALTH-20260302-0001",
    }
    assert [(h["action"], h["status"], h["on"]) for h in view["history"]] == [("new", "valid", "2026-03-15")]


def test_public_view_of_a_person_holder_keeps_the_family_name_only():
    person = {**CASE, "applicant": {"type": "person", "name": "张三丰", "id_number": "110***********1234"}}
    view = certificates.public_view(certificates.new_certificate("N", person, D(2026, 3, 15), "t"), D(2026, 4, 1))
    assert view["holder_name"] == "张**"
    assert "1234" not in str(view)


# --- the licence's whole life ----------------------------------------------------
STAFF = {"username": "chief1", "role": "chief_rep", "department": "health"}
OLD = certificates.new_certificate("HEALTH-411400-2022-000007", CASE, D(2022, 5, 10), "t0")  # valid to 2026-05-09


def continuing(action: str) -> dict:
    return {**CASE, "case_no": "411400-HEALTH-20260302-0009", "item": {"licence_valid_years": 4,
                                                                      "licence_action": action}}


def test_renewal_continues_the_day_after_the_old_licence_ends():
    new = certificates.new_certificate("N2", continuing("renew"), D(2026, 3, 2), "t1", OLD)
    assert (new["valid_from"], new["valid_until"]) == ("2026-05-10", "2030-05-09")
    assert new["replaces"] == OLD["certificate_no"] and new["kind"] == "renew"
    assert new["history"][0]["replaces"] == OLD["certificate_no"]


def test_change_and_replacement_keep_the_old_expiry():
    for action in ("change", "replace"):
        new = certificates.new_certificate("N3", continuing(action), D(2026, 3, 2), "t1", OLD)
        assert (new["valid_from"], new["valid_until"]) == ("2026-03-02", "2026-05-09")
        assert new["replaces"] == OLD["certificate_no"]


def test_a_new_licence_replaces_nothing_even_when_given_one():
    new = certificates.new_certificate("N4", CASE, D(2026, 3, 2), "t1", OLD)
    assert new["replaces"] is None and new["valid_until"] == "2030-03-01"


def test_replaced_update_links_both_ways_and_shows_in_history():
    new = certificates.new_certificate("N2", continuing("renew"), D(2026, 3, 2), "t1", OLD)
    update = certificates.replaced_update(OLD, new, "t2", D(2026, 3, 2))
    assert update["$set"] == {"status": "replaced", "replaced_by": "N2"}
    replaced = {**OLD, **update["$set"], "history": OLD["history"] + [update["$push"]["history"]]}
    view = certificates.public_view(replaced, D(2026, 3, 3))
    assert view["status"] == "replaced" and view["replaced_by"] == "N2" and "replaces" not in view
    assert [h["action"] for h in view["history"]] == ["new", "replaced"]
    assert certificates.public_view(new, D(2026, 3, 3))["replaces"] == OLD["certificate_no"]


def test_revoke_and_cancel_need_a_reason_and_the_right_status():
    today = D(2026, 3, 1)
    with pytest.raises(InvalidInput) as raised:
        certificates.check_transition(OLD, "suspend", " ", STAFF, today)
    assert {e["field"] for e in raised.value.errors} == {"action", "reason"}
    assert certificates.check_transition(OLD, "revoke", " 以欺骗手段取得许可 ", STAFF, today) == "以欺骗手段取得许可"
    expired = D(2026, 6, 1)
    with pytest.raises(Conflict):
        certificates.check_transition(OLD, "revoke", "理由", STAFF, expired)
    assert certificates.check_transition(OLD, "cancel", "有效期届满未延续", STAFF, expired)
    with pytest.raises(Conflict):
        certificates.check_transition({**OLD, "status": "revoked"}, "cancel", "理由", STAFF, today)


def test_only_the_issuing_department_may_revoke():
    with pytest.raises(Forbidden):
        certificates.check_transition(OLD, "revoke", "理由", {**STAFF, "department": "market"}, D(2026, 3, 1))
    with pytest.raises(Forbidden):
        certificates.check_transition(OLD, "revoke", "理由", {"role": "applicant", "username": "x"}, D(2026, 3, 1))
    assert certificates.check_transition(OLD, "revoke", "理由", {"role": "centre_admin"}, D(2026, 3, 1))


def test_transition_update_records_status_reason_and_history():
    update = certificates.transition_update(OLD, "cancel", "停业", STAFF, "t3", D(2026, 3, 1))
    assert update["$set"]["status"] == "cancelled" and update["$set"]["end_reason"] == "停业"
    entry = update["$push"]["history"]
    assert (entry["action"], entry["status"], entry["reason"], entry["actor_role"]) == (
        "cancel", "cancelled", "停业", "chief_rep")
    shown = certificates.public_view({**OLD, **update["$set"], "history": [entry]}, D(2026, 3, 2))
    assert shown["status"] == "cancelled" and "actor_username" not in shown["history"][0]


@pytest.mark.parametrize(("today", "reminded", "due"), [
    (D(2026, 2, 7), [], None),        # 91 days before the last day
    (D(2026, 2, 8), [], 90),          # 90 days
    (D(2026, 3, 1), [90], None),      # 90 sent, 30 not yet due
    (D(2026, 4, 9), [90], 30),        # 30 days
    (D(2026, 4, 20), [], 30),         # registered late: only the nearer one
    (D(2026, 4, 20), [90, 30], None),
    (D(2026, 5, 10), [90], None),     # expired: no reminder
])
def test_reminders_90_and_30_days_before_expiry(today, reminded, due):
    assert certificates.reminder_due({**OLD, "reminded": reminded}, today) == due


def test_a_late_30_day_reminder_counts_the_90_day_one_as_sent():
    assert certificates.reminded_update(OLD, 30) == {"$addToSet": {"reminded": {"$each": [90, 30]}}}
    assert certificates.reminded_update(OLD, 90) == {"$addToSet": {"reminded": {"$each": [90]}}}


def test_no_reminder_for_a_revoked_licence():
    assert certificates.reminder_due({**OLD, "status": "revoked"}, D(2026, 4, 9)) is None


def test_renewal_deadline_is_30_days_before_the_last_day():
    assert certificates.renewal_deadline(OLD) == D(2026, 4, 9)
