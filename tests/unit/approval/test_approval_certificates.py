"""Certificate numbers, validity, statuses and the public view (许可证)."""
import datetime as dt

from services.approval import certificates

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
    assert view == {
        "certificate_no": "HEALTH-411400-2026-000001", "item_code": "HEALTH-PUBLIC-PLACE-NEW",
        "item_name": "公共场所卫生许可", "holder_name": "南湖宾馆有限公司", "valid_from": "2026-03-15",
        "valid_until": "2030-03-14", "status": "valid", "case_no": "411400-HEALTH-20260302-0001",
    }


def test_public_view_of_a_person_holder_keeps_the_family_name_only():
    person = {**CASE, "applicant": {"type": "person", "name": "张三丰", "id_number": "110***********1234"}}
    view = certificates.public_view(certificates.new_certificate("N", person, D(2026, 3, 15), "t"), D(2026, 4, 1))
    assert view["holder_name"] == "张**"
    assert "1234" not in str(view)
