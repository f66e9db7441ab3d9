"""Kill the intake worker between storing an accepted application and
publishing its events: nothing is lost and nothing is counted twice."""
import functools
import time
import uuid

import pytest
import requests
from polling import eventually

from deploy.localstack import PYTHON, ManagedProcess
from services.common import contracts
from services.common.outbox import CRASH_BEFORE_PUBLISH

pytestmark = pytest.mark.e2e


def checked_id_number(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


wait_until = functools.partial(eventually, timeout=30.0)


def token(url, username, password):
    response = requests.post(f"{url}/v1/auth/token", json={"username": username, "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_intake_killed_before_publishing_loses_nothing(stack):
    url = stack.gateway_url
    admin = token(url, "admin", "admin-test-pw")
    clerk_name = f"crash{uuid.uuid4().hex[:6]}"
    created = requests.post(
        f"{url}/v1/accounts", headers=admin, timeout=10,
        json={"username": clerk_name, "password": "Clerk-pass-1", "display_name": "窗口人员", "role": "clerk",
              "department": "health"},
    )
    assert created.status_code == 201, created.text
    clerk = token(url, clerk_name, "Clerk-pass-1")

    def metrics():
        response = requests.get(f"{url}/v1/metrics", params={"department": "health"}, headers=admin, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    before = metrics()
    item = requests.get(f"{url}/v1/items/HEALTH-PUBLIC-PLACE-NEW", timeout=10).json()
    application = {
        "item_code": "HEALTH-PUBLIC-PLACE-NEW",
        "channel": "window",
        "applicant": {"type": "person", "name": "李四", "id_number": checked_id_number("41140219850312001"),
                      "phone": "13912345678"},
        "materials": [{"code": m["code"]} for m in item["materials"]],
    }
    key = uuid.uuid4().hex

    stack.services["intake"].stop()
    crashing = ManagedProcess(
        "intake-crash", [PYTHON, "-m", "services.run", "intake"],
        {**stack.env_for("intake"), CRASH_BEFORE_PUBLISH: contracts.APPLICATION_ACCEPTED},
        stack.var / "logs" / "intake-crash.log",
    )
    crashing.start()
    try:
        first = requests.post(f"{url}/v1/applications", json=application, timeout=60,
                              headers={**clerk, "Idempotency-Key": key})
        assert first.status_code == 503, first.text  # the worker died before answering
        assert wait_until(lambda: not crashing.alive(), timeout=20), "failpoint did not fire"
    finally:
        crashing.kill()
        stack.services["intake"] = stack.service_process("intake")
        stack.services["intake"].start()

    retried = wait_until(lambda: (r := requests.post(
        f"{url}/v1/applications", json=application, timeout=30, headers={**clerk, "Idempotency-Key": key}
    )).status_code == 201 and r, timeout=60)
    assert retried, "intake did not come back"
    case = retried.json()
    assert case["status"] == "accepted"

    # The events stored before the crash reach evaluation exactly once.
    after = wait_until(lambda: (m := metrics())["accepted"] >= before["accepted"] + 1 and m, timeout=30)
    assert after, "the accepted event never arrived"
    time.sleep(3)  # a duplicate, if any, would arrive within the sweep interval
    final = metrics()
    assert final["received"] == before["received"] + 1
    assert final["accepted"] == before["accepted"] + 1

    shown = requests.get(f"{url}/v1/cases/{case['case_no']}", headers=admin, timeout=10)
    assert shown.status_code == 200 and shown.json()["status"] == "accepted"
