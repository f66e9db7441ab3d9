import logging

from services.common.masking import MaskingFilter, mask_id_number, mask_name, mask_phone, mask_text


def test_id_number_keeps_first_three_and_last_four():
    assert mask_id_number("110105194912310021") == "110***********0021"
    assert mask_id_number("11010519491231002X") == "110***********002X"


def test_phone_keeps_first_three_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_short_and_empty_values():
    assert mask_phone("") == ""
    assert mask_id_number(None) is None
    assert mask_phone("12345") == "*****"


def test_name_keeps_family_name():
    assert mask_name("张三丰") == "张**"


def test_free_text_masks_every_number():
    text = "申请人 11010519491231002X 电话13812345678，另一号码 15900001111。"
    assert mask_text(text) == "申请人 110***********002X 电话138****5678，另一号码 159****1111。"


def test_free_text_leaves_case_numbers_and_credit_codes():
    text = "办件 411400-HEALTH-20261123-00001 信用代码 91350100M000100Y43"
    assert mask_text(text) == text


def test_log_filter_masks_formatted_message():
    args = ("13812345678", "110105194912310021")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s id %s", args, None)
    MaskingFilter().filter(record)
    assert record.getMessage() == "phone 138****5678 id 110***********0021"
