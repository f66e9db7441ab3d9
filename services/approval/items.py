"""What the item snapshot frozen into a case (事项快照) says about how the case runs."""


def is_joint(item: dict) -> bool:
    """联办件: several departments sign."""
    return (item.get("case_kind") == "joint" or bool(item.get("joint_departments"))
            or "joint_review" in (item.get("stages") or ()))


def is_escalated(item: dict) -> bool:
    """上报件: a higher authority decides."""
    return item.get("case_kind") == "escalated"


def has_licence(item: dict) -> bool:
    return bool(item.get("licence_valid_years"))


def needs_inspection(item: dict) -> bool:
    return "site_inspection" in (item.get("stages") or ())


def joint_departments(case: dict) -> set[str]:
    """Every department that must sign: the named ones plus the case's own."""
    return set(case["item"].get("joint_departments") or ()) | {case["department"]}
