"""Resident ID numbers (GB 11643), unified social credit codes (GB 32100), mobiles."""
import datetime as dt

import pytest

from services.common.identity import (
    credit_check_char,
    credit_code_problem,
    id_check_digit,
    id_number_problem,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_mobile,
)

# Published examples: the GB 11643 sample ID number and a widely published credit code.
PUBLISHED_IDS = ["11010519491231002X"]
PUBLISHED_CREDIT_CODES = ["91350100M000100Y43"]


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


@pytest.mark.parametrize("value", PUBLISHED_IDS)
def test_published_id_numbers_are_valid(value):
    assert is_valid_id_number(value)


@pytest.mark.parametrize("first17", ["41140219850315123", "32010619991231004", "11010120000229001"])
def test_id_numbers_computed_from_the_algorithm_are_valid(first17):
    value = make_id(first17)
    assert is_valid_id_number(value), value


def test_lowercase_x_is_accepted():
    assert is_valid_id_number("11010519491231002x")


def test_every_wrong_check_digit_is_refused():
    first17 = "41140219850315123"
    right = id_check_digit(first17)
    for wrong in "0123456789X":
        if wrong != right:
            assert id_number_problem(first17 + wrong) == "身份证号码校验码错误"


@pytest.mark.parametrize("first17, problem", [
    ("11010520010229001", "出生日期"),      # 2001 is not a leap year
    ("11010519881301001", "出生日期"),      # month 13
    ("11010518991231001", "出生日期"),      # before 1900
    ("99010519491231002", "地址码"),        # no province 99
])
def test_bad_birth_date_or_region_is_refused_even_with_a_right_check_digit(first17, problem):
    assert problem in id_number_problem(make_id(first17))


def test_birth_date_in_the_future_is_refused():
    assert "出生日期" in id_number_problem(make_id("11010520300101001"), today=dt.date(2026, 11, 23))


@pytest.mark.parametrize("value", [None, "", "1101051949123100", "11010519491231002Y", "A1010519491231002X",
                                   11010519491231002])
def test_malformed_id_numbers_are_refused(value):
    assert not is_valid_id_number(value)


@pytest.mark.parametrize("value", PUBLISHED_CREDIT_CODES)
def test_published_credit_codes_are_valid(value):
    assert is_valid_credit_code(value)


@pytest.mark.parametrize("first17", ["91411400MA3X5B2K1", "12411400005187654", "52410100MJY123456",
                                     "92411402MA40AB12C"])
def test_credit_codes_computed_from_the_algorithm_are_valid(first17):
    assert is_valid_credit_code(first17 + credit_check_char(first17))


def test_credit_code_check_char_wraps_to_zero():
    # Find a body whose weighted sum is a multiple of 31: the check character is then "0", not "31".
    for n in range(100000):
        body = f"9141140{n:05d}00000"
        if credit_check_char(body) == "0":
            assert is_valid_credit_code(body + "0")
            return
    pytest.fail("no body with check character 0 found")


def test_every_wrong_credit_check_char_is_refused():
    assert credit_code_problem("91350100M000100Y44") == "统一社会信用代码校验码错误"


@pytest.mark.parametrize("value", [None, "", "91350100M000100Y4", "91350100M000100Y431", "91350100I000100Y43",
                                   "913501O0M000100Y43", "91ABCDEFM000100Y43"])
def test_malformed_credit_codes_are_refused(value):
    assert not is_valid_credit_code(value)


@pytest.mark.parametrize("value", ["13812345678", "19912345678", "15000000000"])
def test_mainland_mobiles_are_valid(value):
    assert is_valid_mobile(value)


@pytest.mark.parametrize("value", [None, "", "12812345678", "1381234567", "138123456789", "+8613812345678",
                                   "0370-3288000", "1381234567a"])
def test_other_numbers_are_not_mobiles(value):
    assert not is_valid_mobile(value)
