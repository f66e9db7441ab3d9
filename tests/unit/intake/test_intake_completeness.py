"""The one-time notice (一次性告知): every missing material at once; pledges tracked."""
import datetime as dt

from services.intake.completeness import (
    NOT_SUBMITTED,
    ORIGINAL_REQUIRED,
    check_completeness,
    merge_materials,
    still_missing,
)

TODAY = dt.date(2026, 11, 23)
REQUIRED = [
    {"code": "APPLICATION_FORM", "name": "申请表", "required": True, "copies": 1, "original": True,
     "pledgeable": False},
    {"code": "BUSINESS_LICENCE", "name": "营业执照复印件", "required": True, "copies": 2, "original": False},
    {"code": "FLOOR_PLAN", "name": "平面图", "required": True, "copies": 1, "original": False},
    {"code": "HYGIENE_RULES", "name": "卫生管理制度", "required": True, "copies": 1, "original": False},
    {"code": "TEST_REPORT", "name": "检测报告", "required": False, "copies": 1, "original": False},
]


def codes(entries):
    return [e["code"] for e in entries]


def test_nothing_handed_in_lists_every_required_material_in_catalogue_order():
    result = check_completeness(REQUIRED, [], [], TODAY)
    assert not result.complete
    assert codes(result.missing) == ["APPLICATION_FORM", "BUSINESS_LICENCE", "FLOOR_PLAN", "HYGIENE_RULES"]
    assert all(m["reason"] == NOT_SUBMITTED for m in result.missing)
    assert result.missing[0] == {"code": "APPLICATION_FORM", "name": "申请表", "reason": NOT_SUBMITTED}


def test_everything_required_handed_in_is_complete_without_optional_ones():
    handed = [{"code": c} for c in ("APPLICATION_FORM", "BUSINESS_LICENCE", "FLOOR_PLAN", "HYGIENE_RULES")]
    result = check_completeness(REQUIRED, handed, [], TODAY)
    assert result.complete and result.missing == [] and result.pledged == []


def test_defects_are_listed_with_missing_ones_in_the_same_notice():
    handed = [{"code": "APPLICATION_FORM", "original": False}, {"code": "BUSINESS_LICENCE", "copies": 1},
              {"code": "HYGIENE_RULES", "copies": 3}]
    result = check_completeness(REQUIRED, handed, [], TODAY)
    assert [(m["code"], m["reason"]) for m in result.missing] == [
        ("APPLICATION_FORM", ORIGINAL_REQUIRED),
        ("BUSINESS_LICENCE", "份数不足：需2份，已交1份"),
        ("FLOOR_PLAN", NOT_SUBMITTED),
    ]


def test_both_defects_of_one_material_are_named():
    required = [{"code": "A", "name": "甲", "copies": 2, "original": True}]
    result = check_completeness(required, [{"code": "A", "copies": 1, "original": False}], [], TODAY)
    assert result.missing[0]["reason"] == f"份数不足：需2份，已交1份；{ORIGINAL_REQUIRED}"


def test_unspecified_copies_and_original_count_as_fine():
    required = [{"code": "A", "name": "甲", "copies": 3, "original": True}]
    assert check_completeness(required, [{"code": "A"}], [], TODAY).complete


def test_a_pledge_due_in_the_future_does_not_block_but_is_tracked():
    handed = [{"code": c} for c in ("APPLICATION_FORM", "BUSINESS_LICENCE", "FLOOR_PLAN")]
    pledges = [{"material_code": "HYGIENE_RULES", "due_date": "2026-12-10"}]
    result = check_completeness(REQUIRED, handed, pledges, TODAY)
    assert result.complete
    assert result.pledged == [{"code": "HYGIENE_RULES", "name": "卫生管理制度", "reason": NOT_SUBMITTED,
                               "due_date": "2026-12-10"}]


def test_a_pledge_due_today_or_earlier_does_not_cover():
    handed = [{"code": c} for c in ("APPLICATION_FORM", "BUSINESS_LICENCE", "FLOOR_PLAN")]
    for due in ("2026-11-23", "2026-11-01"):
        result = check_completeness(REQUIRED, handed, [{"material_code": "HYGIENE_RULES", "due_date": due}], TODAY)
        assert codes(result.missing) == ["HYGIENE_RULES"] and result.pledged == []


def test_a_pledge_cannot_cover_a_material_that_must_be_handed_in():
    pledges = [{"material_code": "APPLICATION_FORM", "due_date": "2026-12-10"}]
    result = check_completeness(REQUIRED, [], pledges, TODAY)
    assert "APPLICATION_FORM" in codes(result.missing) and result.pledged == []


def test_a_pledge_for_something_already_handed_in_changes_nothing():
    handed = [{"code": c} for c in ("APPLICATION_FORM", "BUSINESS_LICENCE", "FLOOR_PLAN", "HYGIENE_RULES")]
    pledges = [{"material_code": "FLOOR_PLAN", "due_date": "2026-12-10"}]
    result = check_completeness(REQUIRED, handed, pledges, TODAY)
    assert result.complete and result.pledged == []


def test_a_pledge_covers_a_defective_material_too():
    handed = [{"code": "APPLICATION_FORM"}, {"code": "BUSINESS_LICENCE", "copies": 1}, {"code": "FLOOR_PLAN"},
              {"code": "HYGIENE_RULES"}]
    pledges = [{"material_code": "BUSINESS_LICENCE", "due_date": "2026-12-10"}]
    result = check_completeness(REQUIRED, handed, pledges, TODAY)
    assert result.complete and codes(result.pledged) == ["BUSINESS_LICENCE"]


def test_materials_not_on_the_list_are_ignored():
    result = check_completeness(REQUIRED, [{"code": "SOMETHING_ELSE"}], [], TODAY)
    assert len(result.missing) == 4


def test_merge_replaces_by_code_and_keeps_the_rest():
    merged = merge_materials([{"code": "A", "copies": 1}, {"code": "B"}], [{"code": "A", "copies": 2}, {"code": "C"}])
    assert sorted(merged, key=lambda m: m["code"]) == [{"code": "A", "copies": 2}, {"code": "B"}, {"code": "C"}]


def test_a_supplement_never_asks_for_something_the_first_notice_did_not():
    first = check_completeness(REQUIRED, [{"code": "APPLICATION_FORM"}, {"code": "HYGIENE_RULES"}], [], TODAY)
    assert codes(first.missing) == ["BUSINESS_LICENCE", "FLOOR_PLAN"]
    # The supplement hands in the licence but "replaces" the form with a copy (a new defect):
    handed = merge_materials(
        [{"code": "APPLICATION_FORM"}, {"code": "HYGIENE_RULES"}],
        [{"code": "BUSINESS_LICENCE", "copies": 2}, {"code": "APPLICATION_FORM", "original": False}])
    recheck = check_completeness(REQUIRED, handed, [], TODAY)
    assert codes(still_missing(first.missing, recheck)) == ["FLOOR_PLAN"]


def test_a_complete_supplement_leaves_nothing():
    first = check_completeness(REQUIRED, [], [], TODAY)
    handed = [{"code": c, "copies": 2} for c in ("APPLICATION_FORM", "BUSINESS_LICENCE", "FLOOR_PLAN", "HYGIENE_RULES")]
    assert still_missing(first.missing, check_completeness(REQUIRED, handed, [], TODAY)) == []
