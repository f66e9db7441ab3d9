"""Message templates (消息模板) per event, audience and channel, in Chinese.

`render(event, audience, channel)` fills a template from the event payload.
Free text that came from people (reasons, comments, subjects) is passed
through `mask_text`, so an ID number or phone typed into it never reaches a
message. Email reuses the inbox wording; SMS is a short form.
"""
import datetime as dt
from dataclasses import dataclass
from string import Template

from services.common import contracts
from services.common.config import setting
from services.common.masking import mask_text

APPLICANT, SUPERVISOR, STAFF = "applicant", "supervisor", "staff"
INBOX, SMS, EMAIL = "inbox", "sms", "email"

RESULT_TEXT = {"approved": "准予许可", "denied": "不予许可"}
CERTIFICATE_ACTIONS = {"revoke": "撤销", "cancel": "注销"}
RENEWAL_LEAD_DAYS = 30
LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
REMEDY = "如不服本决定，可自收到之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。"


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def _t(title: str, body: str) -> tuple[Template, Template]:
    return Template(title), Template(body)


_INBOX = {
    (contracts.APPLICATION_ACCEPTED, APPLICANT): _t(
        "受理通知：${item_name}",
        "您申请的“${item_name}”已于${accepted_on}受理，办件编号${case_no}。"
        "承诺办结日期：${promised}。请凭办件编号查询办理进度。",
    ),
    (contracts.ONE_TIME_NOTICE_ISSUED, APPLICANT): _t(
        "一次性告知：${item_name}",
        "您申请的“${item_name}”（办件编号${case_no}）材料不齐全或不符合法定形式，"
        "现一次性告知需补正的全部材料：\n${missing_list}\n请补齐上述材料后再次提交。",
    ),
    (contracts.APPLICATION_REFUSED, APPLICANT): _t(
        "不予受理通知：${item_name}",
        "您申请的“${item_name}”（办件编号${case_no}）不予受理。理由：${reason}。${remedy}",
    ),
    (contracts.CASE_DECIDED, APPLICANT): _t(
        "审批决定：${result_text}",
        "您申请的“${item_name}”（办件编号${case_no}）已于${decided_on}作出${result_text}的决定。${decision_detail}",
    ),
    (contracts.CERTIFICATE_ISSUED, APPLICANT): _t(
        "领证通知：${item_name}",
        "您申请的“${item_name}”（办件编号${case_no}）许可证已制发，证书编号${certificate_no}，"
        "有效期${valid_from}至${valid_until}。请携带有效身份证件到窗口领取。",
    ),
    # licences (issue 7)
    (contracts.CERTIFICATE_EXPIRING, APPLICANT): _t(
        "许可证到期提醒：${certificate_no}",
        "您持有的“${item_name}”许可证（证书编号${certificate_no}）将于${valid_until}到期，距到期还有${days_left}天。"
        "如需继续从事许可活动，请于${renew_by}前（有效期届满三十日前）提出延续申请；逾期未延续的，许可证到期后将依法注销。",
    ),
    (contracts.CERTIFICATE_STATUS_CHANGED, APPLICANT): _t(
        "许可证${action_text}通知：${certificate_no}",
        "您持有的“${item_name}”许可证（证书编号${certificate_no}）已于${on}依法${action_text}。理由：${reason}。${remedy}",
    ),
    (contracts.RATING_SUBMITTED, SUPERVISOR): _t(
        "差评提醒：${case_no}",
        "办件${case_no}（${department}，事项${item_code}）收到差评：${level_label}。"
        "评价理由：${comment}。请组织回访整改。",
    ),
    (contracts.RATING_SUBMITTED, STAFF): _t(
        "差评提醒：${case_no}",
        "本部门办件${case_no}（事项${item_code}）收到差评：${level_label}。评价理由：${comment}。请配合回访整改。",
    ),
    (contracts.COMPLAINT_RECEIVED, SUPERVISOR): _t(
        "投诉提醒：${subject}",
        "收到对${department}的投诉（编号${complaint_id}${case_part}）：${subject}。请及时受理并答复。",
    ),
    (contracts.COMPLAINT_RECEIVED, STAFF): _t(
        "投诉提醒：${subject}",
        "收到对本部门的投诉（编号${complaint_id}${case_part}）：${subject}。请配合调查处理。",
    ),
    # issue 6: complaint and follow-up steps
    (contracts.COMPLAINT_UPDATED, APPLICANT): _t(
        "投诉办理进度：${complaint_status}",
        "您的投诉“${subject}”（编号${complaint_id}）办理进度：${complaint_status}。${reply_part}",
    ),
    (contracts.FOLLOW_UP_UPDATED, APPLICANT): _t(
        "差评回访整改：${follow_up_status}",
        "您对办件${case_no}的评价，回访整改进度：${follow_up_status}。${follow_up_detail}",
    ),
}

# issue 6
COMPLAINT_STATUS = {"received": "已登记", "assigned": "已交办承办人", "investigating": "调查中",
                    "concluded": "已调查认定", "replied": "已答复", "closed": "已办结"}
FOLLOW_UP_STATUS = {"open": "待回访", "contacted": "已回访", "rectified": "已整改", "dismissed": "经核查不予整改",
                    "closed": "已办结"}


def _follow_up_detail(event: dict) -> str:
    note = mask_text(event.get("note") or "")
    parts = [f"说明：{note}。" if note else ""]
    if event.get("status") == "closed":
        outcome = FOLLOW_UP_STATUS.get(event.get("outcome") or "", "")
        parts.append(f"处理结果：{outcome}。您可以对该办件再次评价。")
    return "".join(parts)


_SMS = {
    (contracts.APPLICATION_ACCEPTED, APPLICANT): _t(
        "受理通知", "【政务服务中心】您的“${item_name}”已受理，办件编号${case_no}，查询码${query_code}，"
                    "承诺办结日期${promised}。进度查询：${public_url}/progress"
    ),
    (contracts.ONE_TIME_NOTICE_ISSUED, APPLICANT): _t(
        "一次性告知", "【政务服务中心】您的“${item_name}”需补正${missing_count}项材料：${missing_names}。"
    ),
    (contracts.APPLICATION_REFUSED, APPLICANT): _t(
        "不予受理通知", "【政务服务中心】您的“${item_name}”（${case_no}）不予受理，理由：${reason}。"
    ),
    (contracts.CASE_DECIDED, APPLICANT): _t(
        "审批决定", "【政务服务中心】您的“${item_name}”（${case_no}）审批结果：${result_text}。"
                    "欢迎凭受理短信中的查询码评价：${public_url}/rate/${case_no}"
    ),
    (contracts.CERTIFICATE_ISSUED, APPLICANT): _t(
        "领证通知", "【政务服务中心】您的“${item_name}”证书${certificate_no}已制发，请携带身份证件到窗口领取。"
    ),
    (contracts.CERTIFICATE_EXPIRING, APPLICANT): _t(
        "许可证到期提醒",
        "【政务服务中心】您的许可证${certificate_no}将于${valid_until}到期，请于${renew_by}前申请延续。",
    ),
    (contracts.CERTIFICATE_STATUS_CHANGED, APPLICANT): _t(
        "许可证${action_text}通知",
        "【政务服务中心】您的许可证${certificate_no}已于${on}${action_text}，详情请查看站内消息。",
    ),
}

TEMPLATES: dict[tuple[str, str, str], tuple[Template, Template]] = {
    **{(evt, aud, INBOX): tpl for (evt, aud), tpl in _INBOX.items()},
    **{(evt, aud, EMAIL): tpl for (evt, aud), tpl in _INBOX.items()},
    **{(evt, aud, SMS): tpl for (evt, aud), tpl in _SMS.items()},
}


def has_template(event_type: str, audience: str, channel: str) -> bool:
    return (event_type, audience, channel) in TEMPLATES


def _missing_lines(missing: list[dict]) -> str:
    lines = []
    for number, item in enumerate(missing or [], start=1):
        reason = f"（{mask_text(item['reason'])}）" if item.get("reason") else ""
        lines.append(f"{number}. {item.get('name') or item.get('code')}{reason}")
    return "\n".join(lines) or "（无）"


def _values(event: dict) -> dict:
    """Template variables from an event; absent fields read as empty."""
    deadlines = event.get("deadlines") or {}
    missing = event.get("missing") or []
    result = event.get("result")
    reason = mask_text(event.get("reason") or "") or "未说明"
    level = event.get("level")
    detail = f"理由：{reason}。{REMEDY}" if result == "denied" else "请留意领证通知。"
    return {
        "case_no": event.get("case_no") or "",
        "item_name": event.get("item_name") or event.get("item_code") or "",
        "item_code": event.get("item_code") or "",
        "department": event.get("department") or "",
        "accepted_on": event.get("accepted_on") or "",
        "promised": deadlines.get("promised") or "另行告知",
        "missing_list": _missing_lines(missing),
        "missing_count": len(missing),
        "missing_names": "、".join(m.get("name") or m.get("code") or "" for m in missing),
        "reason": reason,
        "remedy": REMEDY,
        "result_text": RESULT_TEXT.get(result, result or ""),
        "decided_on": event.get("decided_on") or "",
        "decision_detail": detail,
        "certificate_no": event.get("certificate_no") or "",
        "valid_from": event.get("valid_from") or "",
        "valid_until": event.get("valid_until") or "",
        "level_label": LEVEL_LABELS.get(level, str(level)),
        "comment": mask_text(event.get("comment") or "") or "未填写",
        "subject": mask_text(event.get("subject") or ""),
        "complaint_id": event.get("complaint_id") or "",
        "case_part": f"，涉及办件{event['case_no']}" if event.get("case_no") else "",
        "days_left": event.get("days_left", ""),
        "renew_by": _days_before(event.get("valid_until"), RENEWAL_LEAD_DAYS),
        "action_text": CERTIFICATE_ACTIONS.get(event.get("action"), event.get("action") or ""),
        "on": event.get("on") or "",
        "query_code": (event.get("notice") or {}).get("query_code") or "见受理通知书",
        "public_url": setting("PUBLIC_BASE_URL").rstrip("/"),
        # issue 6
        "complaint_status": COMPLAINT_STATUS.get(event.get("status"), event.get("status") or ""),
        "reply_part": f"答复：{mask_text(event['reply'])}" if event.get("reply") else "",
        "follow_up_status": FOLLOW_UP_STATUS.get(event.get("status"), event.get("status") or ""),
        "follow_up_detail": _follow_up_detail(event),
    }


def _days_before(day: str | None, days: int) -> str:
    if not day:
        return ""
    return (dt.date.fromisoformat(day) - dt.timedelta(days=days)).isoformat()


def render(event: dict, audience: str, channel: str) -> Rendered:
    """The title and body of one message; KeyError if no template exists."""
    title, body = TEMPLATES[(event["event_type"], audience, channel)]
    values = _values(event)
    return Rendered(title.substitute(values), body.substitute(values))
