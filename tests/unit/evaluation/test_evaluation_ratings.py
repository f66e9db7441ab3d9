import datetime as dt

import pytest

from services.common.calendar import OfficialCalendar
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.evaluation import follow_ups, ratings


def is_working_day(day):
    return OfficialCalendar().is_working_day(day)


def add_working_days(start, days):
    """The follow-up's rectify-by date, `days` working days after `start`."""
    return dt.date.fromisoformat(follow_ups.open_follow_up("f", start, days)["rectify_by"])


OWNER = {"username": "zhangsan", "role": "applicant", "department": None, "display_name": "张三"}
DECIDED = {"owner": "zhangsan", "channel": "window", "decided_on": "2025-03-20"}


def fields_of(error):
    return [e["field"] for e in error.value.errors]


def test_labels_follow_the_national_interface():
    assert ratings.LEVEL_LABELS == {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
    assert [level for level in range(1, 6) if ratings.is_bad(level)] == [1, 2]


def test_good_rating_needs_no_comment_and_defaults_to_web():
    assert ratings.validate(5, None, None) == (5, None, "web")
    assert ratings.validate(3, "  还行 ", "window") == (3, "还行", "window")


@pytest.mark.parametrize("level", [1, 2])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_bad_rating_must_carry_a_reason(level, comment):
    with pytest.raises(InvalidInput) as error:
        ratings.validate(level, comment, "web")
    assert fields_of(error) == ["comment"]


@pytest.mark.parametrize("level", [0, 6, "5", 4.5, True, None])
def test_level_must_be_an_integer_from_1_to_5(level):
    with pytest.raises(InvalidInput) as error:
        ratings.validate(level, "x", "web")
    assert fields_of(error) == ["level"]


def test_every_bad_field_is_named_at_once():
    with pytest.raises(InvalidInput) as error:
        ratings.validate(9, "x" * 1001, "fax")
    assert fields_of(error) == ["level", "comment", "channel"]


@pytest.mark.parametrize("channel", ratings.CHANNELS)
def test_known_channels(channel):
    assert ratings.validate(4, None, channel)[2] == channel


@pytest.mark.parametrize("role", sorted(ratings.STAFF_ROLES))
def test_staff_may_never_rate_even_their_own_case(role):
    with pytest.raises(Forbidden):
        ratings.check_may_rate({**OWNER, "role": role}, DECIDED, "C1")


def test_owner_may_rate_a_decided_case():
    ratings.check_may_rate(OWNER, DECIDED, "C1")


def test_someone_else_may_not():
    with pytest.raises(Forbidden):
        ratings.check_may_rate({**OWNER, "username": "lisi"}, DECIDED, "C1")


def test_no_actor_may_not():
    with pytest.raises(Forbidden):
        ratings.check_actor(None)


def test_submitting_api_client_may_rate():
    client = {"username": "province", "role": "api_client"}
    ratings.check_may_rate(client, {**DECIDED, "owner": None, "submitted_by": "province"}, "C1")
    with pytest.raises(Forbidden):
        ratings.check_may_rate(client, {**DECIDED, "submitted_by": "other-client"}, "C1")
    with pytest.raises(Forbidden):  # submitter unknown: only the owner may rate
        ratings.check_may_rate(client, {**DECIDED, "owner": None, "channel": "province"}, "C1")


def test_undecided_case_is_a_conflict_and_unknown_case_not_found():
    with pytest.raises(Conflict):
        ratings.check_may_rate(OWNER, {"owner": "zhangsan", "accepted_on": "2025-03-03"}, "C1")
    with pytest.raises(NotFound):
        ratings.check_may_rate(OWNER, None, "C1")


def test_follow_up_is_due_in_15_working_days_by_default():
    # 2025-04-01 (Tue): Qingming 4-4..4-6 off, no make-up day in April before the 27th.
    opened = follow_ups.open_follow_up("f1", dt.date(2025, 4, 1), follow_ups.rectify_days(None))
    assert opened == {"id": "f1", "status": "open", "opened_on": "2025-04-01", "rectify_by": "2025-04-23",
                      "outcome": None, "history": []}
    assert follow_ups.open_follow_up("f1", dt.date(2025, 4, 1), 5)["rectify_by"] == "2025-04-09"


@pytest.mark.parametrize("value", ["4", "16", 0])
def test_rectify_limit_is_held_to_5_to_15_working_days(value):
    with pytest.raises(ValueError):
        follow_ups.rectify_days(value)


def test_a_walk_in_applicant_rates_by_query_code_without_an_account():
    walk_in = {"role": "applicant", "username": None, "via": "query_code"}
    ratings.check_may_rate(walk_in, {**DECIDED, "owner": None}, "C1")
    with pytest.raises(Conflict):
        ratings.check_may_rate(walk_in, {"owner": None}, "C1")
    with pytest.raises(Forbidden):
        ratings.check_actor({"role": "applicant", "username": None})


def test_second_rating_only_after_the_follow_up_closed():
    assert ratings.next_round([], "C1") == 1
    with pytest.raises(Conflict):
        ratings.next_round([{"level": 5}], "C1")
    with pytest.raises(Conflict):
        ratings.next_round([{"level": 1, "follow_up": {"status": "contacted"}}], "C1")
    assert ratings.next_round([{"level": 1, "follow_up": {"status": "closed"}}], "C1") == 2
    with pytest.raises(Conflict):
        ratings.next_round([{"level": 1, "follow_up": {"status": "closed"}}, {"level": 4}], "C1")


def test_working_days_skip_holidays_and_count_make_up_days():
    assert not is_working_day(dt.date(2025, 10, 1))  # National Day
    assert is_working_day(dt.date(2025, 9, 28))  # Sunday make-up workday
    assert add_working_days(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)
    assert add_working_days(dt.date(2025, 3, 3), 0) == dt.date(2025, 3, 3)


def test_years_without_calendar_data_fall_back_to_weekdays():
    assert add_working_days(dt.date(2099, 1, 2), 1) == dt.date(2099, 1, 5)  # Friday -> Monday
    assert not is_working_day(dt.date(2099, 1, 3))
