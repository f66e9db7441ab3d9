"""Chinese labels (状态与操作名称) of case statuses and actions, for messages people read."""
from services.common.policy import ACTION_LABELS

STATUS_NAMES = {
    "accepted": "已受理",
    "in_review": "审查中",
    "site_inspection": "现场检查",
    "joint_review": "联合审查",
    "escalated": "已上报",
    "approved": "准予许可",
    "denied": "不予许可",
    "certificate_issued": "已发证",
    "closed": "已办结",
    "withdrawn": "已撤回",
}
# One set of action names, the policy's.
ACTION_NAMES = ACTION_LABELS
