"""Commit first, then tell: approval never keeps a case intake refused or never stored.

Intake and approval run for real on the broker and the database. Approval answers
its RPCs slowly here (a busy node, a GC pause): before issue 10 intake called
approval.open_case inside acceptance, before storing its own write, so a colleague's
refusal landing meanwhile left approval with a case intake had refused, which staff
could then approve and certify. Now approval opens a case only from the stored
application_accepted event.
"""
import threading
import time

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from polling import eventually

from services.approval.service import ApprovalService
from services.common import contracts
from services.common.errors import Conflict, NotFound
from services.common.rpc import rpc
from services.intake.service import IntakeService

CLERK = {"username": "clerk1", "role": "clerk", "department": "health", "display_name": "李娜"}
CHIEF = {"username": "chief1", "role": "chief_rep", "department": "health", "display_name": "王主任"}
APPLICANT = {"username": "wangjg", "role": "applicant", "department": None, "display_name": "王建国"}
MATERIALS = ["APPLICATION_FORM", "BUSINESS_LICENCE", "ID_COPY", "FLOOR_PLAN", "HYGIENE_TEST_REPORT",
             "HYGIENE_RULES", "STAFF_HEALTH_CERTS"]
RPC_DELAY = 0.6


class SlowApproval(ApprovalService):
    """The real approval service, answering open_case after a pause."""

    @rpc
    def open_case(self, payload):
        eventlet.sleep(RPC_DELAY)
        return super().open_case(payload)


def online_application():
    return {"item_code": "HEALTH-PUBLIC-PLACE-NEW", "channel": "online",
            "applicant": {"type": "person", "name": "王建国", "id_number": "11010519491231002X",
                          "phone": "13812345678"},
            "materials": [{"code": code} for code in MATERIALS]}


@pytest.fixture
def services(container_factory, service_config):
    container_factory(IntakeService, service_config).start()
    container_factory(SlowApproval, service_config).start()
    with ServiceRpcProxy(contracts.Intake.SERVICE, service_config) as intake, \
            ServiceRpcProxy(contracts.Approval.SERVICE, service_config) as approval:
        yield intake, approval


def test_a_refusal_racing_an_acceptance_leaves_no_case_in_approval(services, service_config):
    intake, approval = services
    case_no = intake.submit_application(online_application(), APPLICANT)["case_no"]
    outcome = {}

    def accept():
        with ServiceRpcProxy(contracts.Intake.SERVICE, service_config) as other_clerk:
            try:
                outcome["accept"] = other_clerk.transition(case_no, "accept", CLERK, {})["status"]
            except Conflict:
                outcome["accept"] = "conflict"

    accepting = threading.Thread(target=accept)
    accepting.start()
    time.sleep(RPC_DELAY / 3)
    try:
        outcome["refuse"] = intake.transition(case_no, "refuse", CHIEF, {"comment": "不属于本机关职权范围"})["status"]
    except Conflict:
        outcome["refuse"] = "conflict"
    accepting.join(timeout=30)

    # Exactly one of the two decisions stands, and approval agrees with intake.
    assert sorted(outcome.values()) in (["accepted", "conflict"], ["conflict", "refused"]), outcome
    status = intake.get_application(case_no)["status"]

    def case_status():
        try:
            return approval.get_case(case_no)["status"]
        except NotFound:
            return None

    if status == "accepted":
        assert eventually(case_status) == "accepted"
    else:
        time.sleep(2 * RPC_DELAY)   # give a stray case time to appear
        assert case_status() is None, f"approval keeps case {case_no} that intake {status}"
        with pytest.raises(NotFound):
            approval.transition(case_no, "start_review", CLERK, {})


def test_an_accepted_window_application_is_opened_from_the_stored_event(services):
    intake, approval = services
    application = {**online_application(), "channel": "window"}
    started = time.monotonic()
    view = intake.submit_application(application, CLERK)
    assert view["status"] == "accepted" and time.monotonic() - started < RPC_DELAY   # no RPC in the path
    case = eventually(lambda: _case(approval, view["case_no"]))
    assert case["status"] == "accepted" and case["deadlines"]["promised"] == view["deadlines"]["promised"]


def _case(approval, case_no):
    try:
        return approval.get_case(case_no)
    except NotFound:
        return None
