"""How the workbench lists a queue: urgent (绿色通道) first, then fewest remaining working days, red before yellow."""
STATE_ORDER = {"red": 0, "yellow": 1, "green": 2}


def remaining(case: dict):
    value = (case.get("supervision") or {}).get("remaining_working_days")
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def queue_order(cases: list[dict]) -> list[dict]:
    """A stable order for people: the API's own order is kept among equals."""
    def key(case):
        days = remaining(case)
        state = (case.get("supervision") or {}).get("state")
        return (0 if case.get("urgent") else 1, days is None, days if days is not None else 0,
                STATE_ORDER.get(state, 3))
    return sorted(cases, key=key)
