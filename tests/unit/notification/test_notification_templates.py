import pytest

from services.common import contracts
from services.notification import templates
from services.notification.changes import FEED_ONLY_EVENTS
from services.notification.recipients import APPLICANT_EVENTS, plan

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


def sample(event_type, **overrides):
    base = {
        "case_no": "411400-HEALTH-20250301-0007", "item_code": "HEALTH-PUBLIC-PLACE-NEW",
        "item_name": "公共场所卫生许可（新办）", "department": "health", "owner": "zhangsan",
        "submitted_by": "zhangsan", "channel": "window",
        "received_at": "2025-03-01T09:00:00+08:00", "status": "accepted", "accepted_at": "2025-03-03T09:00:00+08:00",
        "accepted_on": "2025-03-03", "item": {}, "deadlines": {"promised": "2025-03-24", "statutory": "2025-03-31"},
        "applicant": {"name": "张三", "id_number": ID_NUMBER, "phone": PHONE}, "first_contact": None,
        "history": [], "notice": {},
        "missing": [{"code": "M1", "name": "营业执照复印件", "reason": "未提交"},
                    {"code": "M2", "name": "卫生管理制度", "reason": "缺少签章"}],
        "reason": f"申请人{ID_NUMBER}不符合条件，联系电话{PHONE}", "result": "approved", "decided_on": "2025-03-20",
        "used_working_days": 13, "on_time": True, "early": True, "decided_by": "lisi",
        "certificate_no": "豫卫公证字〔2025〕第0001号", "valid_from": "2025-03-21", "valid_until": "2029-03-20",
        "holder_name": "张三", "closed_on": "2025-03-22",
        "level": 1, "bad": True, "comment": f"态度差，我的身份证{ID_NUMBER}",
        "complaint_id": "c1", "subject": "窗口推诿",
        "days_left": 30, "threshold": 30, "previous_status": "valid", "on": "2025-04-01",
        "action": "close", "reply": f"已约谈，电话{PHONE}", "follow_up_id": "f1", "outcome": "rectified",
        "note": f"已回访 {PHONE}", "rectify_by": "2025-04-10",
        "state": "yellow", "stage": "overall", "deadline": "2025-03-24", "responsible": "clerk1",
        "remaining_working_days": 1, "delegation_id": "d1", "a_account": "chief_a", "b_account": "chief_b",
        "actor_role": "clerk", "actor": "clerk1", "withdrawn_on": "2025-04-01", "supplement_by": "2025-03-31",
        "detail": {"kind": "testing", "expected_days": 15, "reason": f"送检，联系{PHONE}", "from": "2025-03-10"},
    }
    base.update(overrides)
    fields = {name: base[name] for name in contracts.EVENT_FIELDS[event_type]}
    return contracts.event(event_type, **fields)


# A status change reaches the applicant only when the law says it is told in writing (a pause, an extension);
# other feed events (received, status changed, closed) feed only the change feed and webhooks.
TOLD_IN_WRITING = {contracts.CASE_STATUS_CHANGED: {"action": "pause_clock", "previous_status": "in_review"}}
NOTIFIED = sorted({event_type for service, event_type in contracts.SUBSCRIPTIONS if service == "notification"}
                  - (FEED_ONLY_EVENTS - set(TOLD_IN_WRITING)))


@pytest.mark.parametrize("event_type", NOTIFIED)
def test_every_subscribed_event_has_a_template_for_each_planned_delivery(event_type):
    event = sample(event_type, **TOLD_IN_WRITING.get(event_type, {}))
    deliveries = plan(event, {"phone": PHONE, "email": "a@example.com"}, frozenset({"inbox", "sms", "email"}))
    assert deliveries
    for delivery in deliveries:
        rendered = templates.render(event, delivery.audience, delivery.channel)
        assert rendered.title and rendered.body
        assert "$" not in rendered.title + rendered.body


@pytest.mark.parametrize("key", sorted(templates.TEMPLATES))
def test_no_template_leaks_an_id_number_or_phone(key):
    event_type, audience, channel = key
    rendered = templates.render(sample(event_type), audience, channel)
    text = rendered.title + rendered.body
    assert ID_NUMBER not in text and PHONE not in text


def test_acceptance_notice_names_case_item_and_promised_date():
    rendered = templates.render(sample(contracts.APPLICATION_ACCEPTED), "applicant", "inbox")
    assert rendered.title == "受理通知：公共场所卫生许可（新办）"
    assert "411400-HEALTH-20250301-0007" in rendered.body and "2025-03-24" in rendered.body


def test_acceptance_without_deadlines_says_they_follow():
    rendered = templates.render(sample(contracts.APPLICATION_ACCEPTED, deadlines=None), "applicant", "inbox")
    assert "另行告知" in rendered.body


def test_one_time_notice_lists_every_missing_material():
    rendered = templates.render(sample(contracts.ONE_TIME_NOTICE_ISSUED), "applicant", "inbox")
    assert "一次性告知" in rendered.title
    assert "1. 营业执照复印件（未提交）" in rendered.body and "2. 卫生管理制度（缺少签章）" in rendered.body
    sms = templates.render(sample(contracts.ONE_TIME_NOTICE_ISSUED), "applicant", "sms")
    assert "2项" in sms.body and "营业执照复印件、卫生管理制度" in sms.body


def test_refusal_gives_reason_and_the_right_to_appeal():
    body = templates.render(sample(contracts.APPLICATION_REFUSED), "applicant", "inbox").body
    assert "不予受理" in body and "不符合条件" in body
    assert "行政复议" in body and "行政诉讼" in body
    assert "110***********002X" in body and "138****5678" in body


def test_decision_texts():
    approved = templates.render(sample(contracts.CASE_DECIDED), "applicant", "inbox")
    assert approved.title == "审批决定：准予许可"
    denied = templates.render(sample(contracts.CASE_DECIDED, result="denied"), "applicant", "inbox")
    assert denied.title == "审批决定：不予许可" and "理由" in denied.body and "行政复议" in denied.body


def test_certificate_notice_tells_number_and_to_collect():
    body = templates.render(sample(contracts.CERTIFICATE_ISSUED), "applicant", "inbox").body
    assert "豫卫公证字〔2025〕第0001号" in body and "领取" in body


def test_supervisor_reminders():
    bad = templates.render(sample(contracts.RATING_SUBMITTED), "supervisor", "inbox")
    assert bad.title.startswith("差评提醒") and "非常不满意" in bad.body and "态度差" in bad.body
    complaint = templates.render(sample(contracts.COMPLAINT_RECEIVED), "supervisor", "inbox")
    assert complaint.title == "投诉提醒：窗口推诿" and "c1" in complaint.body


def test_applicant_events_have_all_three_channels():
    for event_type in APPLICANT_EVENTS:
        for channel in ("inbox", "sms", "email"):
            assert templates.has_template(event_type, "applicant", channel)


def test_complainant_and_applicant_are_told_each_step():
    replied = sample(contracts.COMPLAINT_UPDATED, status="replied", action="reply")
    [delivery] = plan(replied, None, frozenset({"inbox", "sms"}))
    assert (delivery.recipient, delivery.channel) == ("zhangsan", "inbox")
    body = templates.render(replied, delivery.audience, delivery.channel).body
    assert "已答复" in body and "已约谈" in body and PHONE not in body
    assert plan(sample(contracts.COMPLAINT_UPDATED, submitted_by=None), None, frozenset({"inbox"})) == []
    closed = sample(contracts.FOLLOW_UP_UPDATED, status="closed", action="close")
    [delivery] = plan(closed, None, frozenset({"inbox"}))
    body = templates.render(closed, delivery.audience, delivery.channel).body
    assert "已办结" in body and "已整改" in body and "再次评价" in body
