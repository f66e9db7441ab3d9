"""Chinese names the pages show for the API's codes, and the fields each action asks for.

Data only: which action is allowed, and what it requires, is the API's answer
(`allowed_actions`, problem+json `errors`); these tables only say how to ask.
"""
from services.common.supervision import STAGE_NAMES  # noqa: F401  (the deadlines' names: 承诺时限, 审查...)

STATUS_NAMES = {
    "pre_review": "预审中", "awaiting_supplement": "待补正", "accepted": "已受理", "refused": "不予受理",
    "in_review": "审查中", "site_inspection": "现场检查", "joint_review": "联合审查", "escalated": "已上报",
    "approved": "准予许可", "denied": "不予许可", "certificate_issued": "已发证", "closed": "已办结",
    "withdrawn": "已撤回",
}
ACTION_NAMES = {
    "submit": "提交申请", "supplement": "补正材料",
    "accept": "受理", "refuse": "不予受理", "start_review": "开始审查", "schedule_inspection": "安排现场检查",
    "record_inspection": "登记现场检查结果", "sign_joint": "会签", "escalate": "上报上级机关",
    "record_higher_decision": "登记上级机关决定", "approve": "准予许可", "deny": "不予许可",
    "pause_clock": "暂停计时", "resume_clock": "恢复计时", "issue_certificate": "发证", "deliver": "送达",
    "withdraw": "撤回", "extend": "延长期限", "refer": "转部门集体讨论", "mark_urgent": "绿色通道（加急）",
}
ROLE_NAMES = {
    "applicant": "申请人", "clerk": "窗口受理人员", "chief_rep": "首席代表", "reviewer": "审查人员",
    "department_admin": "部门管理员", "supervisor": "电子监察人员", "centre_admin": "中心管理员",
    "api_client": "接入系统",
}
DEPARTMENT_NAMES = {"health": "卫生健康委员会", "market": "市场监督管理局"}
CASE_KIND_NAMES = {"instant": "即办件", "promised": "承诺件", "joint": "联办件", "escalated": "上报件"}
CHANNEL_NAMES = {"window": "窗口", "online": "网上", "province": "省政务服务平台"}
SUPERVISION_NAMES = {"green": "正常", "yellow": "黄牌预警", "red": "红牌超期"}
CERTIFICATE_STATUS_NAMES = {"valid": "有效", "expired": "已过期", "revoked": "已撤销", "cancelled": "已注销",
                            "replaced": "已换发"}
LETTER_STATUS_NAMES = {"active": "有效", "revoked": "已撤销"}
RATING_LEVELS = ((5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意"))
# 差评 reasons offered on the rating page (the national 好差评 categories); sent as the rating's comment.
BAD_RATING_REASONS = (
    ("slow", "办理时间长、效率低"), ("attitude", "服务态度不好"), ("materials", "材料要求多、反复提交"),
    ("explain", "政策解释不清楚"), ("trips", "需要多次跑动"), ("fees", "存在不合理收费或要求"),
)

# Fields each action asks for: (name, kind, label, options). The API decides what is required.
_REASON = ("reason", "textarea", "理由", None)
_COMMENT = ("comment", "textarea", "办理意见（可选）", None)
ACTION_FIELDS = {
    "refuse": (_REASON,),
    "deny": (_REASON,),
    "withdraw": (_REASON,),
    "pause_clock": (("reason", "textarea", "暂停计时原因（如：现场检查、专家评审、听证）", None),),
    "record_inspection": (("result", "select", "现场检查结果", (("passed", "合格"), ("failed", "不合格"))), _COMMENT),
    "record_higher_decision": (("result", "select", "上级机关决定", (("approved", "准予"), ("denied", "不予"))),
                               ("reason", "textarea", "理由（不予时必填）", None)),
    "extend": (("days", "number", "延长的工作日数", None), ("reason", "textarea", "延长理由（将告知申请人）", None)),
    "mark_urgent": (("reason", "textarea", "加急原因", None),),
}
INTEGER_FIELDS = ("days",)


def action_fields(action: str) -> tuple:
    return ACTION_FIELDS.get(action, (_COMMENT,))
