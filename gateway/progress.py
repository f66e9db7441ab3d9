"""What anyone holding a case's query code sees of it (办件进度): no names, no numbers, no actors."""

STATUS_NAMES = {
    "received": "已接收", "pre_review": "网上预审", "awaiting_supplement": "待补正", "accepted": "已受理",
    "refused": "不予受理", "in_review": "审查中", "site_inspection": "现场检查", "joint_review": "并联审批",
    "escalated": "已上报", "approved": "准予许可", "denied": "不予许可", "certificate_issued": "已制证",
    "closed": "已办结", "withdrawn": "已撤回",
}


def progress_view(case: dict) -> dict:
    history = case.get("history") or []
    steps = [{"at": entry.get("at"), "status": entry.get("status"),
              "status_name": STATUS_NAMES.get(entry.get("status"), entry.get("status"))} for entry in history]
    view = {
        "case_no": case["case_no"],
        "item_code": case.get("item_code"),
        "item_name": case.get("item_name"),
        "status": case["status"],
        "status_name": STATUS_NAMES.get(case["status"], case["status"]),
        "deadlines": case.get("deadlines"),
        "updated_at": (history[-1].get("at") if history else None) or case.get("received_at"),
        "steps": steps,
        "missing": [{"code": m.get("code"), "name": m.get("name")} for m in case.get("missing") or []],
    }
    if (case.get("decision") or {}).get("result"):
        view["decision"] = {"result": case["decision"]["result"], "decided_on": case["decision"].get("decided_on")}
    if case.get("certificate_no"):
        view["certificate_no"] = case["certificate_no"]
    return view
