"""The fault suite: a few hundred cases driven concurrently through the gateway (real HTTP, gunicorn)
while every service is killed -9 in turn, RabbitMQ is killed and restarted, every database server
(one per service, as the local stack runs them) is killed -9 at once and restarted, and a service
is frozen (SIGSTOP) for longer than the RPC timeout.

Clients behave as a well-written integration would: an Idempotency-Key on every state-changing
call, retried with the same key after a 503 or a dropped connection. A client gives up when a step
has had no definite answer for RETRY_BUDGET seconds of calm: time inside an injected fault (from the
kill until the platform is ready again) does not count, since how long RabbitMQ takes to boot on a
loaded machine says nothing about the platform; a request that hangs would still be caught. Afterwards every definite
answer must match the stored state, no accepted submission is lost or duplicated, every
notification was written once, and the metrics equal our own recount. The counts are printed.

It runs on a stack of its own (ports derived from TEST_AMQP_PORT + 5 ...), so the kills never
touch the session's shared `stack`.
"""
import os
import random
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import summary_lines

from deploy.localstack import Stack
from services.common.masking import mask_name

# Its own time limit: killed mid-way by the suite-wide 300 s, it would leave its stack running.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

OFFSET = 5
AMQP_PORT = int(os.environ.get("TEST_AMQP_PORT", 5692)) + OFFSET
MANAGEMENT_PORT = int(os.environ.get("TEST_MANAGEMENT_PORT", 15692)) + OFFSET
MONGO_PORT = int(os.environ.get("TEST_MONGO_PORT", 27037)) + OFFSET
GATEWAY_PORT = int(os.environ.get("TEST_GATEWAY_PORT", 8091)) + OFFSET
RPC_TIMEOUT = 3.0
ADMIN_PASSWORD = "admin-faults-pw"
DEMO_PASSWORD = "Demo-2026!"
ITEM = "HEALTH-PUBLIC-PLACE-NEW"
CLIENTS = 16
APPLICANTS = 8   # each registration hashes a password: seconds apiece on a loaded machine
MIN_CASES, MAX_CASES = 200, 400
LOAD_WALL = 110.0  # seconds: once the faults are done, no new case starts after this, however slow
MUST_TRY = 100    # cases at least, even then
CASE_PACE = 2.0  # seconds per case and client while faults run, so the load spans the whole schedule
RETRY_BUDGET = 75.0  # seconds of calm (outside an injected fault) one step keeps retrying before it gives up
RETRYABLE = {502, 503, 504}


def checked_id_number(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


@pytest.fixture(scope="module")
def fault_stack():
    var = Path(tempfile.mkdtemp(prefix="window-faults-"))
    var.chmod(0o755)
    stack = Stack(
        var=var, amqp_port=AMQP_PORT, management_port=MANAGEMENT_PORT, mongo_port=MONGO_PORT,
        gateway_port=GATEWAY_PORT, node_name=f"window-faults-{AMQP_PORT}", db_prefix="faults",
        extra_env={"GATEWAY_ADMIN_PASSWORD": ADMIN_PASSWORD, "RPC_TIMEOUT": str(RPC_TIMEOUT),
                   "OUTBOX_SWEEP_SECONDS": "1", "GATEWAY_WORKERS": "2", "GATEWAY_THREADS": "8",
                   "GATEWAY_RATE_LIMIT": "0", "EVENT_RETRY_BASE_SECONDS": "0.5", "EVENT_MAX_ATTEMPTS": "12"},
    )
    stack.check_ports_free()
    try:
        stack.start()
        stack.seed()
        yield stack
    finally:
        stack.stop()
        kept = Path(tempfile.gettempdir()) / f"window-faults-{AMQP_PORT}-last-logs"  # for a post-mortem
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(var / "logs", kept, dirs_exist_ok=True)
        shutil.rmtree(var, ignore_errors=True)


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = Counter()
        self.problems: list[str] = []

    def add(self, name: str, detail: str | None = None) -> None:
        with self.lock:
            self.counts[name] += 1
            if detail:
                self.problems.append(detail)


class Weather:
    """Seconds spent inside injected faults so far (the injector marks each from its start until the
    platform is ready again)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.since: float | None = None
        self.total = 0.0

    def storm(self) -> None:
        with self.lock:
            if self.since is None:
                self.since = time.monotonic()

    def calm(self) -> None:
        with self.lock:
            if self.since is not None:
                self.total += time.monotonic() - self.since
                self.since = None

    def stormy_seconds(self) -> float:
        with self.lock:
            return self.total + (time.monotonic() - self.since if self.since is not None else 0.0)


WEATHER = Weather()


def definite(method: str, url: str, headers: dict, body: dict | None, tally: Tally, retry_404: bool = False):
    """The first definite answer (not 5xx-unavailable, not a dropped connection), or None after the budget."""
    began, stormy_before = time.monotonic(), WEATHER.stormy_seconds()

    def out_of_budget() -> bool:
        return time.monotonic() - began - (WEATHER.stormy_seconds() - stormy_before) > RETRY_BUDGET

    while True:
        try:
            response = requests.request(method, url, headers=headers, json=body, timeout=RPC_TIMEOUT * 4)
            if response.status_code == 500:
                tally.add("errors", f"500 from {method} {url}: {response.text[:200]}")
            if response.status_code not in RETRYABLE and not (retry_404 and response.status_code == 404):
                return response
            tally.add(f"retried_{response.status_code}")
        except requests.RequestException:
            tally.add("retried_connection")
        if out_of_budget():
            tally.problems.append(f"gave up on {method} {url} after {RETRY_BUDGET:g}s of calm "
                                  f"({time.monotonic() - began:.0f}s in all)")
            return None
        time.sleep(0.3 + random.random() * 0.7)


def token(url: str, username: str, password: str) -> dict:
    for _ in range(20):
        response = requests.post(f"{url}/v1/auth/token", json={"username": username, "password": password},
                                 timeout=10)
        if response.status_code == 200:
            return {"Authorization": f"Bearer {response.json()['access_token']}"}
        time.sleep(0.5)
    raise AssertionError(f"cannot log in {username}: {response.text}")


def register_applicants(url: str, run: str) -> list[tuple[str, dict]]:
    def register(n: int) -> tuple[str, dict]:
        username = f"f{run}{n:02d}"
        created = requests.post(f"{url}/v1/accounts/register", timeout=10, json={
            "username": username, "password": "Fault-pass-1", "display_name": f"申请人{n}", "phone": "13800138000"})
        assert created.status_code == 201, created.text
        return username, token(url, username, "Fault-pass-1")

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(register, range(APPLICANTS)))


class Case:
    """One client's story: submit online, the clerk accepts and starts review, the chief approves."""

    def __init__(self, index: int, applicant: tuple[str, dict]):
        self.index, (self.owner, self.applicant) = index, applicant
        self.case_no: str | None = None
        self.answers: list[tuple[str, int, str | None]] = []  # (step, HTTP status, case status)
        self.finished = False
        self.gave_up = False

    def application(self) -> dict:
        return {"item_code": ITEM, "channel": "online",
                "applicant": {"type": "person", "name": f"申请人{self.index}",
                              "id_number": checked_id_number(f"4114021985031{self.index % 10000:04d}"),
                              "phone": "13912345678"},
                "materials": [{"code": code} for code in MATERIALS]}


MATERIALS: list[str] = []


def drive(case: Case, url: str, clerk: dict, chief: dict, tally: Tally) -> None:
    key = uuid.uuid4().hex
    submitted = definite("POST", f"{url}/v1/applications", {**case.applicant, "Idempotency-Key": key},
                         case.application(), tally)
    if submitted is None:
        case.gave_up = True
        return
    case.answers.append(("submit", submitted.status_code, (submitted.json() or {}).get("status")))
    if submitted.status_code != 201:
        return
    case.case_no = submitted.json()["case_no"]
    steps = (("accept", clerk, False, {}), ("start_review", clerk, True, {}),
             ("record_inspection", clerk, True, {"result": "passed"}), ("approve", chief, True, {"comment": "同意"}))
    for action, who, eventually_in_approval, params in steps:
        answer = definite("POST", f"{url}/v1/cases/{case.case_no}/transitions",
                          {**who, "Idempotency-Key": f"{key}-{action}"}, {"action": action, **params},
                          tally, retry_404=eventually_in_approval)
        if answer is None:
            case.gave_up = True
            return
        case.answers.append((action, answer.status_code, (answer.json() or {}).get("status")))
        if answer.status_code != 200:
            return
    case.finished = True


def faults(stack: Stack, log: list[str], stop: threading.Event) -> None:
    def note(text):
        log.append(f"{time.strftime('%H:%M:%S')} {text}")

    def pause(seconds):
        stop.wait(seconds)

    def ready_again():
        """One fault at a time: the next one waits until the platform serves again (a service still
        starting when the broker is killed exits, and only the supervisor would bring it back)."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not stop.is_set():
            try:
                if requests.get(f"{stack.gateway_url}/readyz", timeout=5).status_code == 200:
                    note("ready")
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        else:
            note("NOT ready after 90s")
        WEATHER.calm()

    def supervised(expected):
        """Restarted as the run command does it (deploy/localstack.py Stack.supervise)."""
        restarted = stack.supervise()
        note(f"supervisor restarted {', '.join(restarted) or 'nothing'}")
        if restarted != [expected]:
            note(f"{expected} not restarted alone: had died")
        ready_again()

    pause(4)
    for name in ("intake", "approval", "notification", "evaluation"):
        note(f"kill -9 {name}")
        WEATHER.storm()
        stack.services[name].kill()
        pause(2.5)
        supervised(name)
        pause(3)
    note("kill -9 rabbitmq")
    WEATHER.storm()
    stack.rabbit.kill()
    pause(1)
    supervised("rabbitmq")
    pause(5)
    note("kill -9 every database server")  # a database host lost at once (one server per service locally)
    WEATHER.storm()
    for database in stack.databases.values():
        database.kill()
    pause(2)
    for database in stack.databases.values():
        database.start()
    note("database servers restarted")
    ready_again()
    pause(3)
    frozen = stack.services["approval"].process.pid
    note("SIGSTOP approval")
    WEATHER.storm()
    os.killpg(frozen, signal.SIGSTOP)
    pause(RPC_TIMEOUT + 3)
    os.killpg(frozen, signal.SIGCONT)
    note("SIGCONT approval")
    ready_again()
    pause(4)
    for name in stack.supervise():  # nothing should need it; if something died on its own, say so
        note(f"{name} had died and was restarted")


def wait_quiet(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(1)
        value = check()
    return value


def test_nothing_lost_or_duplicated_or_wrong_under_faults(fault_stack):
    url = fault_stack.gateway_url
    item = requests.get(f"{url}/v1/items/{ITEM}", timeout=10).json()
    MATERIALS[:] = [m["code"] for m in item["materials"] if m.get("required", True)]
    admin = token(url, "admin", ADMIN_PASSWORD)
    clerk, chief = token(url, "clerk1", DEMO_PASSWORD), token(url, "chief1", DEMO_PASSWORD)
    applicants = register_applicants(url, uuid.uuid4().hex[:4])
    before = requests.get(f"{url}/v1/metrics", params={"department": "health"}, headers=admin, timeout=10).json()

    tally, fault_log, stop = Tally(), [], threading.Event()
    injector = threading.Thread(target=faults, args=(fault_stack, fault_log, stop), daemon=True)
    cases: list[Case] = []
    next_index = iter(range(MAX_CASES))
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                # The load lasts as long as the faults do, at least: every fault hits cases in flight.
                if not injector.is_alive() and (len(cases) >= MIN_CASES or (
                        len(cases) >= MUST_TRY and time.monotonic() - started > LOAD_WALL)):
                    return
                index = next(next_index, None)
                if index is None:
                    return
                case = Case(index, applicants[index % APPLICANTS])
                cases.append(case)
            began = time.monotonic()
            drive(case, url, clerk, chief, tally)
            if injector.is_alive():
                time.sleep(max(0.0, CASE_PACE - (time.monotonic() - began)))

    started = time.monotonic()
    injector.start()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for future in [pool.submit(client) for _ in range(CLIENTS)]:
            future.result()
    stop.set()
    injector.join(timeout=120)
    load_seconds = time.monotonic() - started

    # -- afterwards: the stored state, read when the platform is quiet again ---------------------
    assert wait_quiet(lambda: requests.get(f"{url}/readyz", timeout=10).status_code == 200), "not ready again"
    submitted = [c for c in cases if c.case_no]
    numbers = Counter(c.case_no for c in submitted)
    duplicated_numbers = [n for n, count in numbers.items() if count > 1]  # two clients told the same case

    def stored(case):
        answer = definite("GET", f"{url}/v1/cases/{case.case_no}", case.applicant, None, tally)
        return answer.json() if answer is not None and answer.status_code == 200 else None

    expected_final = {"submit": "pre_review", "accept": "accepted", "start_review": "in_review",
                      "record_inspection": "in_review", "approve": "approved"}
    lost, wrong = [], []
    finals = {}
    with ThreadPoolExecutor(8) as pool:
        views = list(pool.map(stored, submitted))
    for case, view in zip(submitted, views, strict=True):
        if view is None:
            lost.append(case.case_no)
            continue
        finals[case.case_no] = view
        last_step, status, answered_status = case.answers[-1]
        name = (view.get("applicant") or {}).get("name")
        if view.get("owner") != case.owner or name not in (f"申请人{case.index}", mask_name(f"申请人{case.index}")):
            wrong.append(f"{case.case_no}: stored for {view.get('owner')}/{name}, told {case.owner}/申请人{case.index}")
        if status == 200 or status == 201:
            if view["status"] != expected_final[last_step] or answered_status != expected_final[last_step]:
                wrong.append(f"{case.case_no}: told {last_step}->{answered_status}, stored {view['status']}")
        elif status == 409:
            wrong.append(f"{case.case_no}: {last_step} answered 409 on a retried request; stored {view['status']}")
        elif status >= 400:
            wrong.append(f"{case.case_no}: {last_step} answered {status}")

    # every notification once: each accepted case's owner has one acceptance and one decision per case
    def inbox_counts():
        counts = Counter()
        for _, headers in applicants:  # every page: an applicant of a fast run has more than one
            offset = 0
            while True:
                answer = definite("GET", f"{url}/v1/me/notifications?limit=200&offset={offset}", headers, None, tally)
                notes = answer.json()["notifications"]
                for note in notes:
                    counts[(note.get("case_no"), note.get("event"))] += 1
                if len(notes) < 200:
                    break
                offset += len(notes)
        return counts

    accepted = [c for c in submitted if any(step == "accept" and s == 200 for step, s, _ in c.answers)]
    approved = [c for c in submitted if c.finished]

    def notified():
        counts = inbox_counts()
        complete = all(counts[(c.case_no, "application_accepted")] >= 1 for c in accepted) and all(
            counts[(c.case_no, "case_decided")] >= 1 for c in approved)
        return counts if complete else None

    counts = wait_quiet(notified, timeout=60) or inbox_counts()
    missing_notes = [c.case_no for c in accepted if counts[(c.case_no, "application_accepted")] == 0] + [
        c.case_no for c in approved if counts[(c.case_no, "case_decided")] == 0]
    repeated_notes = [key for key, count in counts.items() if count > 1]

    # metrics equal our recount (the seed's baseline subtracted)
    def metrics_match():
        now = requests.get(f"{url}/v1/metrics", params={"department": "health"}, headers=admin, timeout=10)
        if now.status_code != 200:
            return None
        body = now.json()
        delta = {k: body[k] - before[k] for k in ("received", "accepted", "completed")}
        recount = {"received": len(numbers), "accepted": len(accepted), "completed": len(approved)}
        return (delta, recount) if delta == recount else None

    metrics = wait_quiet(metrics_match, timeout=60)
    if metrics is None:
        body = requests.get(f"{url}/v1/metrics", params={"department": "health"}, headers=admin, timeout=10).json()
        metrics_problem = {k: (body[k] - before[k]) for k in ("received", "accepted", "completed")}
    else:
        metrics_problem = None

    tried = len(cases)
    answered = sum(1 for c in cases if not c.gave_up)
    report = {
        "tried": tried, "answered": answered, "lost": len(lost),
        "duplicated": len(duplicated_numbers) + len(repeated_notes), "wrong": len(wrong),
        "gave_up": tried - answered, "approved": len(approved), "server_errors": tally.counts["errors"],
        "retries": {k: v for k, v in tally.counts.items() if k.startswith("retried")},
        "load_seconds": round(load_seconds, 1),
    }
    print("\nfault suite:", report)
    print("faults:", "; ".join(fault_log))
    summary_lines.LINES.append(f"fault suite: {report}")
    print("notifications missing:", missing_notes[:5], "repeated:", repeated_notes[:5],
          "metrics delta:", metrics_problem or "= recount")
    for line in (lost[:10] + duplicated_numbers[:10] + wrong[:10] + tally.problems[:10]):
        print("  ", line)
    assert len(fault_log) >= 21 and "SIGCONT approval" in " ".join(fault_log), \
        f"the fault schedule did not finish: {fault_log}"
    assert not [line for line in fault_log if "NOT ready" in line], "the platform did not recover from a fault"
    assert tried >= MUST_TRY
    assert not [line for line in fault_log if "had died" in line], "a process died on its own under the faults"
    assert not lost, f"accepted submissions lost: {lost[:10]}"
    assert not duplicated_numbers, f"one case number told to two clients: {duplicated_numbers[:10]}"
    assert not wrong, wrong[:10]
    assert tally.counts["errors"] == 0, tally.problems[:5]
    assert not missing_notes and not repeated_notes, (missing_notes[:5], repeated_notes[:5])
    assert metrics_problem is None, f"metrics delta {metrics_problem} != recount"
    assert answered == tried, f"{tried - answered} clients never got an answer"
