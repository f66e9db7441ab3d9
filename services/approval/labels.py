"""Chinese labels (状态与操作名称) of case statuses and actions, for messages people read."""

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
ACTION_NAMES = {
    "start_review": "开始审查",
    "schedule_inspection": "安排现场检查",
    "record_inspection": "登记现场检查结果",
    "sign_joint": "会签",
    "escalate": "上报",
    "record_higher_decision": "登记上级机关决定",
    "approve": "准予许可",
    "deny": "不予许可",
    "pause_clock": "暂停计时",
    "resume_clock": "恢复计时",
    "issue_certificate": "发证",
    "deliver": "送达",
    "withdraw": "撤回",
}
