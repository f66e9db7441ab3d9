"""The mixed workload: what a busy window does at once. Each client thread is a small
office (a clerk, a chief representative, an applicant) cycling through a fixed schedule:
submissions, case reads, transitions (start_review, record_inspection, approve), ratings
of decided cases and lists (the applicant's inbox, the department's catalogue).

A case opens in approval from intake's event and a rating needs the decision to reach
evaluation: an action asked of a case the platform has not caught up with yet (404/409)
is put back and tried again later, counted under `not ready`, not as a failure.
"""
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

import requests

from bench.load import Result
from bench.stack_client import TIMEOUT, complete_application

SCHEDULE = ("submit", "read", "transition", "list", "read", "transition", "rate", "transition", "read", "list")
STEPS = (("start_review", "clerk", {}), ("record_inspection", "clerk", {"result": "passed"}),
         ("approve", "chief", {"comment": "材料齐全，现场核查合格"}))
RETRY_AFTER = 0.3
OPERATIONS = ("submit", "read", "transition", "rate", "list")


@dataclass
class Office:
    """One client thread's accounts and the cases it moves along."""
    tokens: dict            # role -> bearer token: clerk, chief, applicant
    applicant: str
    rng: random.Random
    cases: list = field(default_factory=list)             # every case submitted
    moving: deque = field(default_factory=deque)          # (ready_at, case_no, next step index)
    decided: deque = field(default_factory=deque)         # (ready_at, case_no) to rate
    turn: int = 0
    not_ready: int = 0


def _ready(queue: deque) -> tuple | None:
    if queue and queue[0][0] <= time.monotonic():
        return queue.popleft()
    return None


class MixedWorkload:
    def __init__(self, url: str, item: dict, offices: list[Office], run_id: str):
        self.url, self.item, self.offices, self.run_id = url, item, offices, run_id
        self.results = {op: Result(f"mixed: {op}") for op in OPERATIONS}
        self.lock = threading.Lock()
        self.elapsed = 0.0
        self.issued = 0

    def _headers(self, office: Office, role: str, number: int) -> dict:
        return {"Authorization": f"Bearer {office.tokens[role]}", "X-Request-Id": f"mixed-{self.run_id}-{number}"}

    def _record(self, op: str, status, took: float, ok: bool) -> None:
        with self.lock:
            result = self.results[op]
            result.statuses[status or "error"] += 1
            if ok:
                result.latencies.append(took)
            else:
                result.failures += 1

    def step(self, session: requests.Session, office: Office, number: int) -> None:
        op = SCHEDULE[office.turn % len(SCHEDULE)]
        office.turn += 1
        if op == "transition" and not (office.moving and office.moving[0][0] <= time.monotonic()):
            op = "read"
        if op == "rate" and not (office.decided and office.decided[0][0] <= time.monotonic()):
            op = "list"
        if op == "read" and not office.cases:
            op = "submit"
        started = time.perf_counter()
        try:
            status, ok = getattr(self, f"_{op}")(session, office, number)
        except requests.RequestException:
            status, ok = None, False
        if status == "not ready":
            return
        self._record(op, status, time.perf_counter() - started, ok)

    def _submit(self, session, office, number):
        body = {**complete_application(self.item, office.rng), "owner_account": office.applicant}
        response = session.post(f"{self.url}/v1/applications", json=body, timeout=TIMEOUT,
                                headers={**self._headers(office, "clerk", number), "Idempotency-Key": uuid.uuid4().hex})
        if response.status_code == 201 and response.json().get("status") == "accepted":
            case_no = response.json()["case_no"]
            office.cases.append(case_no)
            office.moving.append((time.monotonic() + RETRY_AFTER, case_no, 0))
            return 201, True
        return response.status_code, False

    def _read(self, session, office, number):
        case_no = office.rng.choice(office.cases[-20:])
        response = session.get(f"{self.url}/v1/cases/{case_no}", headers=self._headers(office, "applicant", number),
                               timeout=TIMEOUT)
        return response.status_code, response.status_code == 200

    def _transition(self, session, office, number):
        _, case_no, index = _ready(office.moving)
        action, role, params = STEPS[index]
        response = session.post(f"{self.url}/v1/cases/{case_no}/transitions", timeout=TIMEOUT,
                                json={"action": action, **params}, headers=self._headers(office, role, number))
        if response.status_code in (404, 409) and index == 0:   # approval has not opened the case yet
            office.moving.append((time.monotonic() + RETRY_AFTER, case_no, index))
            office.not_ready += 1
            return "not ready", False
        if response.status_code == 200:
            if index + 1 < len(STEPS):
                office.moving.appendleft((0.0, case_no, index + 1))
            else:
                office.decided.append((time.monotonic() + RETRY_AFTER, case_no))
        return response.status_code, response.status_code == 200

    def _rate(self, session, office, number):
        _, case_no = _ready(office.decided)
        response = session.post(f"{self.url}/v1/cases/{case_no}/rating", timeout=TIMEOUT,
                                json={"level": office.rng.choice((3, 4, 5, 5, 5))},
                                headers=self._headers(office, "applicant", number))
        if response.status_code == 404 or (response.status_code == 409 and "尚未办结" in response.text):
            office.decided.append((time.monotonic() + RETRY_AFTER, case_no))
            office.not_ready += 1
            return "not ready", False
        return response.status_code, response.status_code == 201

    def _list(self, session, office, number):
        if number % 2:
            response = session.get(f"{self.url}/v1/me/notifications", timeout=TIMEOUT,
                                   headers=self._headers(office, "applicant", number))
        else:
            response = session.get(f"{self.url}/v1/items", params={"department": self.item["department"]},
                                   headers=self._headers(office, "clerk", number), timeout=TIMEOUT)
        return response.status_code, response.status_code == 200

    def run(self, count: int, duration: float) -> tuple[Result, dict[str, Result]]:
        """`count` more timed requests over every client (or `duration` seconds); returns the whole and each
        part so far (a run may be sliced: the offices keep their cases between slices)."""
        issued, lock = [0], threading.Lock()
        sessions = [requests.Session() for _ in self.offices]

        def worker(index: int, deadline: float) -> None:
            office, session = self.offices[index], sessions[index]
            while time.monotonic() < deadline:
                with lock:
                    if issued[0] >= count:
                        return
                    issued[0] += 1
                    number = issued[0]
                self.step(session, office, number)

        started = time.monotonic()
        threads = [threading.Thread(target=worker, args=(i, started + duration), daemon=True)
                   for i in range(len(self.offices))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(duration + 60)
        self.elapsed += time.monotonic() - started
        for session in sessions:
            session.close()
        whole = Result("mixed workload (all requests)", elapsed=self.elapsed)
        for result in self.results.values():
            result.elapsed = self.elapsed
            whole.latencies += result.latencies
            whole.failures += result.failures
            whole.statuses.update(result.statuses)
        return whole, self.results
