"""Applications that name a licence (延续/变更/补办/注销/校验) and the query code (查询码)."""
import datetime as dt

import pytest

from services.intake import licence_rules, query_codes

D = dt.date
CERT = {"certificate_no": "HEALTH-411400-2022-000007", "department": "health", "licence_name": "公共场所卫生许可证",
        "item_name": "公共场所卫生许可（新办）", "status": "valid", "valid_from": "2022-05-10",
        "valid_until": "2026-05-09"}
TODAY = D(2026, 3, 1)


def messages(item, certificate, today=TODAY):
    return [e["message"] for e in licence_rules.certificate_errors(item, certificate, today)]


def test_renewal_on_time_and_too_late(catalogue):
    renew = catalogue["HEALTH-PUBLIC-PLACE-RENEW"]
    assert messages(renew, CERT, D(2026, 4, 9)) == []          # the 30th day before the last day
    (late,) = licence_rules.certificate_errors(renew, CERT, D(2026, 4, 10))
    assert late["field"] == "certificate_no"
    assert "三十日前" in late["message"] and "2026-05-09" in late["message"] and "2026-04-09" in late["message"]


def test_generic_renewal_item_accepts_any_health_licence(catalogue):
    assert messages(catalogue["HEALTH-LICENCE-RENEW"], CERT) == []
    assert messages(catalogue["MARKET-FOOD-BUSINESS-RENEW"], {**CERT, "department": "market"})


def test_the_certificate_must_exist_match_and_be_in_force(catalogue):
    change = catalogue["HEALTH-PUBLIC-PLACE-CHANGE"]
    assert "不存在" in messages(change, None)[0]
    assert "本部门" in messages(change, {**CERT, "department": "market"})[0]
    assert "不符" in messages(catalogue["HEALTH-WATER-CHANGE"], CERT)[0]
    assert "已撤销" in messages(change, {**CERT, "status": "revoked"})[0]
    assert messages(catalogue["HEALTH-PUBLIC-PLACE-CANCEL"], {**CERT, "status": "expired"}) == []
    assert "已过期" in messages(catalogue["HEALTH-PUBLIC-PLACE-REPLACE"], {**CERT, "status": "expired"})[0]


def test_the_number_is_required_only_where_a_licence_is_named(catalogue):
    assert licence_rules.number_errors(catalogue["HEALTH-PUBLIC-PLACE-RENEW"], None)[0]["field"] == "certificate_no"
    assert licence_rules.number_errors(catalogue["HEALTH-PUBLIC-PLACE-NEW"], None) == []
    assert licence_rules.number_errors(catalogue["HEALTH-PUBLIC-PLACE-NEW"], "X")[0]["field"] == "certificate_no"
    assert licence_rules.number_errors(catalogue["HEALTH-PUBLIC-PLACE-RENEW"], "X" * 65)
    assert licence_rules.number_errors(None, "X") == []


def test_licence_family_of_items_without_their_own_licence(catalogue):
    assert licence_rules.licence_family(catalogue["HEALTH-MEDICAL-CANCEL"]) == "医疗机构执业许可证"
    assert licence_rules.licence_family(catalogue["HEALTH-MEDICAL-INSPECT"]) == "医疗机构执业许可证"


@pytest.mark.parametrize("_", range(5))
def test_query_codes_are_unambiguous_and_compared_safely(_):
    code = query_codes.new_query_code()
    assert len(code) == 8 and not set(code) & set("01OI")
    assert query_codes.matches(code, code.lower() + " ")
    assert not query_codes.matches(code, code[:-1]) and not query_codes.matches(None, code)
    assert not query_codes.matches(code, None)
