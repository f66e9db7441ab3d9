"""The one authorisation policy (审批权限): roles × actions × scope × letter of authority in force.

Written once, as data plus pure functions, and used by every service and the
gateway. `judge(actor, action, case, authority, today)` answers whether the
actor may take a case action now; refusals outside a letter of authority
(首席代表委托书) are violations (越权) the caller records. A centre admin is not
a decision maker. No nameko, pymongo or falcon here.

`authority` is what the letters say at the moment of the action:
{"letters": [letter in force...], "away": [usernames marked away]}; a letter is
{"id","department","kind": "chief_rep"|"post","a_account","b_account",
 "items": [{"item_code","actions": [letter action...]}],"valid_from","valid_until","status"}.
"""
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from services.common.localtime import local_today

ROLES = ("applicant", "clerk", "chief_rep", "reviewer", "department_admin", "supervisor", "centre_admin", "api_client")
WINDOW_ROLES = frozenset({"clerk", "chief_rep", "reviewer"})           # window staff: first contact, case work
STAFF_ROLES = WINDOW_ROLES | {"department_admin"}                       # a department's people
OVERSIGHT_ROLES = frozenset({"supervisor", "centre_admin"})             # see every department
NON_APPLICANT_ROLES = STAFF_ROLES | OVERSIGHT_ROLES                     # may never rate a case

# The letter's actions (委托书: 受理, 初审, 核准, 审批, 审签, 发证, 现场检查), by code.
LETTER_ACTIONS = {
    "accept": "受理", "review": "初审", "verify": "核准", "decide": "审批",
    "sign": "审签", "issue": "发证", "inspect": "现场检查",
}
LETTER_ACTION_BY_NAME = {name: code for code, name in LETTER_ACTIONS.items()}
# Every workflow action, mapped once to the letter action that covers it (None: not in a letter).
WORKFLOW_TO_LETTER = {
    "accept": "accept", "refuse": "accept",
    "start_review": "review", "escalate": "review",
    "schedule_inspection": "inspect", "record_inspection": "inspect",
    "sign_joint": "sign",
    "approve": "decide", "deny": "decide",
    "record_higher_decision": "verify",
    "issue_certificate": "issue",
    "pause_clock": None, "resume_clock": None, "deliver": None, "withdraw": None,
    "refer": None, "extend": None, "mark_urgent": None,
}
CASE_ACTIONS = tuple(WORKFLOW_TO_LETTER)
# Decisions only the acting chief representative takes, under a letter in force.
DELEGATED = frozenset({"approve", "deny", "record_higher_decision", "issue_certificate"})
# Receiving (受理): window staff; restricted to the acting holder where an AB岗 post letter covers it.
RECEIVING = frozenset({"accept", "refuse"})
# Day-to-day case work by the department's window staff.
WINDOW_WORK = frozenset({"start_review", "escalate", "schedule_inspection", "record_inspection", "sign_joint",
                         "pause_clock", "resume_clock", "deliver", "withdraw", "refer"})
DEPARTMENT_ADMIN_ACTIONS = frozenset({"extend"})   # the law's extension, approved by the department
OVERSIGHT_ACTIONS = frozenset({"mark_urgent"})     # 绿色通道, marked by the centre
# Procedures the law keeps from delegation (集体讨论, 专家论证, 听证): the department decides.
RESERVED_PROCEDURES = {"collective_discussion": "集体讨论", "expert_review": "专家论证", "hearing": "听证"}
LETTER_KINDS = ("chief_rep", "post")                # 首席代表委托书; AB岗 (receiving posts)
DEFAULT_VALID_YEARS = 2


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str | None = None
    violation: bool = False    # 越权: refused because no letter in force covers it; recorded

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Verdict(True)


def refuse(reason: str, violation: bool = False) -> Verdict:
    return Verdict(False, reason, violation)


def letter_action(value: str) -> str | None:
    """A letter action code from its code, its Chinese name or a workflow action it covers."""
    if value in LETTER_ACTIONS:
        return value
    return LETTER_ACTION_BY_NAME.get(value) or WORKFLOW_TO_LETTER.get(value)


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def in_force(letter: dict, today: dt.date) -> bool:
    """Issued, not revoked, and today within valid_from..valid_until."""
    return (letter.get("status") == "active"
            and _date(letter["valid_from"]) <= today <= _date(letter["valid_until"]))


def acting_holder(letter: dict, away: Iterable[str]) -> str | None:
    """B acts; while B is away, A acts (and B does not). Nobody when both are away."""
    away = set(away)
    if letter["b_account"] not in away:
        return letter["b_account"]
    if letter["a_account"] not in away:
        return letter["a_account"]
    return None


def covers(letter: dict, item_code: str, code: str) -> bool:
    return any(entry["item_code"] == item_code and code in entry["actions"] for entry in letter.get("items") or ())


def letters_covering(authority: dict, department: str, item_code: str, code: str, kind: str,
                     today: dt.date) -> list[dict]:
    return [letter for letter in (authority or {}).get("letters") or ()
            if letter["department"] == department and letter.get("kind", "chief_rep") == kind
            and in_force(letter, today) and covers(letter, item_code, code)]


def case_departments(case: dict) -> set[str]:
    """The case's department and, for a joint case (联办), every department that must sign."""
    joint = case.get("joint_departments") or (case.get("joint") or {}).get("departments") or ()
    return ({case.get("department"), *joint}) - {None}


# --- the case actions -------------------------------------------------------------

def judge(actor: dict, action: str, case: dict, authority: dict | None = None,
          today: dt.date | None = None) -> Verdict:
    """May `actor` take `action` on `case` now? `case` needs department, item_code, status
    (joint_departments or joint.departments, referred for reserved procedures)."""
    today = today or local_today()   # the centre's date: letters run by Asia/Shanghai days
    authority = authority or {}
    role, username = actor.get("role"), actor.get("username")
    label = ACTION_LABELS.get(action, action)
    if action not in WORKFLOW_TO_LETTER:
        return refuse(f"未知的操作「{action}」")
    if action in OVERSIGHT_ACTIONS:
        return ALLOW if role in OVERSIGHT_ROLES else refuse(f"只有中心督查人员可以执行「{label}」")
    if role == "centre_admin":
        return refuse(f"中心管理员不是审批决定人，不能执行「{label}」")
    if role not in STAFF_ROLES:
        return refuse(f"当前账号（角色 {role}）无权执行「{label}」")
    scope = case_departments(case) if action == "sign_joint" else {case.get("department")}
    if actor.get("department") not in scope:
        return refuse(f"不能办理其他部门的办件（「{label}」）")
    if username in set(authority.get("away") or ()):
        return refuse(f"{username} 已标记外出，外出期间不能办理「{label}」")
    if role == "department_admin":
        if action in DEPARTMENT_ADMIN_ACTIONS:
            return ALLOW
        if action in DELEGATED and case.get("referred"):
            return ALLOW  # reserved procedures: the department decides, not the window
        return refuse(f"部门管理员不在窗口办理「{label}」")
    if action in DEPARTMENT_ADMIN_ACTIONS:
        return refuse(f"「{label}」须由本部门管理员批准")
    if action in DELEGATED:
        return _delegated(actor, action, case, authority, today)
    if action in RECEIVING:
        return _receiving(actor, action, case, authority, today)
    return ALLOW


def _delegated(actor, action, case, authority, today) -> Verdict:
    label, code = ACTION_LABELS.get(action, action), WORKFLOW_TO_LETTER[action]
    referred = case.get("referred")
    if referred:
        procedure = RESERVED_PROCEDURES.get(referred.get("procedure"), referred.get("procedure"))
        return refuse(f"本办件须经{procedure}，由部门作出决定，窗口不能执行「{label}」")
    letters = letters_covering(authority, case.get("department"), case.get("item_code"), code, "chief_rep", today)
    if not letters:
        return refuse(f"没有有效的授权委托书授权「{LETTER_ACTIONS[code]}」事项 {case.get('item_code')}"
                      f"（「{label}」超出授权范围）", violation=True)
    holders = {acting_holder(letter, authority.get("away") or ()) for letter in letters}
    if actor.get("username") in holders:
        return ALLOW
    named = {letter["a_account"] for letter in letters} | {letter["b_account"] for letter in letters}
    if actor.get("username") in named:
        return refuse(f"B角在岗时由B角审批，A角不能执行「{label}」", violation=True)
    return refuse(f"{actor.get('username')} 不是授权委托书中的首席代表，无权执行「{label}」", violation=True)


def _receiving(actor, action, case, authority, today) -> Verdict:
    if actor.get("role") not in WINDOW_ROLES:
        return refuse("只有窗口工作人员可以受理或不予受理")
    posts = letters_covering(authority, case.get("department"), case.get("item_code"), "accept", "post", today)
    if not posts:
        return ALLOW
    holders = {acting_holder(letter, authority.get("away") or ()) for letter in posts}
    if actor.get("username") in holders:
        return ALLOW
    return refuse(f"本事项的受理岗由AB岗负责，{actor.get('username')} 当前不是在岗人员", violation=True)


def allowed_actions(actor: dict, case: dict, legal: Iterable[str], authority: dict | None = None,
                    today: dt.date | None = None) -> list[str]:
    """The legal actions (by status) the actor may take now, in the order given."""
    return [action for action in legal if judge(actor, action, case, authority, today)]


# --- seeing and listing -------------------------------------------------------------

def is_staff_of(actor: dict, department: str | None) -> bool:
    return actor.get("role") in STAFF_ROLES and department is not None and actor.get("department") == department


def can_see_case(actor: dict, case: dict) -> bool:
    """An applicant its own cases, an API client what it submitted, staff their department's
    (joint cases included), supervisors and the centre admin all."""
    role = actor.get("role")
    if role in OVERSIGHT_ROLES:
        return True
    if role == "applicant":
        return case.get("owner") == actor.get("username")
    if role == "api_client":
        return case.get("submitted_by") == actor.get("username")
    return any(is_staff_of(actor, department) for department in case_departments(case))


def case_scope(actor: dict) -> dict:
    """The list filter a caller is held to: {"owner"}, {"submitted_by"}, {"department"} or {} (all)."""
    role = actor.get("role")
    if role in OVERSIGHT_ROLES:
        return {}
    if role == "applicant":
        return {"owner": actor.get("username")}
    if role == "api_client":
        return {"submitted_by": actor.get("username")}
    if role in STAFF_ROLES and actor.get("department"):
        return {"department": actor["department"]}
    return {"owner": actor.get("username")}


def may_edit_item(actor: dict, department: str | None) -> bool:
    """Catalogue edits: the department's own admin, or the centre admin."""
    return actor.get("role") == "centre_admin" or (
        actor.get("role") == "department_admin" and actor.get("department") == department)


def may_change_certificate(actor: dict, department: str | None) -> bool:
    """撤销 / 注销 a licence: the issuing department's staff, or the centre admin."""
    return is_staff_of(actor, department) or actor.get("role") == "centre_admin"


def may_manage_delegations(actor: dict, department: str | None) -> bool:
    """Letters are issued, renewed and revoked by the department's admin."""
    return actor.get("role") == "department_admin" and actor.get("department") == department


def may_mark_away(actor: dict, account: dict) -> bool:
    """Oneself, the account's department admin, or the centre admin."""
    return (actor.get("username") == account.get("username") or actor.get("role") == "centre_admin"
            or may_manage_delegations(actor, account.get("department")))


# Who files an application on which channel (申请渠道): the window is the window staff's, online is the
# applicant's own (it goes to staff pre-review), province is the provincial network's API clients'.
CHANNELS_BY_ROLE = {"applicant": ("online",), "clerk": ("window",), "api_client": ("province",)}
CHANNEL_LABELS = {"window": "窗口", "online": "网上", "province": "省平台"}


def channel_refusal(role: str | None, channel) -> str | None:
    """Why `role` may not file on `channel` (None: it may). The channel's validity is intake's to judge."""
    allowed = CHANNELS_BY_ROLE.get(role, ())
    if not isinstance(channel, str) or channel in allowed or channel not in CHANNEL_LABELS:
        return None
    names = "、".join(f"{code}（{CHANNEL_LABELS[code]}）" for code in allowed) or "无"
    return f"当前账号（角色 {role}）不能通过 {channel}（{CHANNEL_LABELS[channel]}）渠道提交申请，可用渠道：{names}"


def may_work_on_department_matter(actor: dict, department: str | None) -> bool:
    """Complaints about a department and the follow-ups of its bad ratings: oversight, or that department's staff."""
    return actor.get("role") in OVERSIGHT_ROLES or is_staff_of(actor, department)


def may_rate(actor: dict) -> bool:
    """A staff member may never enter or change a rating."""
    return bool(actor.get("username")) and actor.get("role") not in NON_APPLICANT_ROLES


def oversight_department(actor: dict, requested: str | None) -> str | None:
    """Department filter for metrics and supervision: oversight any (or all), staff only their own.
    Raises PermissionError (the caller maps it) when the actor may not look."""
    if actor.get("role") in OVERSIGHT_ROLES:
        return requested
    if actor.get("role") in STAFF_ROLES and actor.get("department"):
        if requested and requested != actor["department"]:
            raise PermissionError("只能查看本部门的数据")
        return actor["department"]
    raise PermissionError("当前角色无权查看")


ACTION_LABELS = {
    "accept": "受理", "refuse": "不予受理",
    "start_review": "开始审查", "schedule_inspection": "安排现场检查", "record_inspection": "登记现场检查结果",
    "sign_joint": "会签", "escalate": "上报", "record_higher_decision": "登记上级机关决定",
    "approve": "准予许可", "deny": "不予许可", "pause_clock": "暂停计时", "resume_clock": "恢复计时",
    "issue_certificate": "发证", "deliver": "送达", "withdraw": "撤回",
    "refer": "转部门决定", "extend": "延长办理期限", "mark_urgent": "绿色通道",
}
