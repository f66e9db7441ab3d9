"""The change feed's numbering under concurrent writers, on the real database, and services
refusing an actor the gateway did not sign, on the real broker (issue 8)."""
import threading

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.common import actor_claims, contracts
from services.common.errors import Forbidden
from services.common.mongo import service_database
from services.common.rpc import TimeoutRpcProxy, rpc
from services.notification.province_store import ProvinceStore

ACTOR = {"username": "admin", "role": "centre_admin", "department": None, "display_name": "x"}


def test_concurrent_writers_number_every_change_once_without_gaps(service_config):
    store = ProvinceStore(service_database("notification", service_config))
    store.ensure_indexes()
    errors = []

    def writer(index):
        try:
            for n in range(15):
                store.add_change({"event_id": f"w{index}-{n}", "event_type": "case_status_changed",
                                  "case_no": f"C{index}", "occurred_at": f"2026-11-23T10:{n:02d}:00+08:00",
                                  "submitted_by": "province"}, f"s{n}")
                store.number_changes()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    store.number_changes()
    changes = store.read_changes(0, 500, None)
    assert [c["seq"] for c in changes] == list(range(1, 61))
    for index in range(4):  # each case's changes keep their order
        assert [c["status"] for c in changes if c["case_no"] == f"C{index}"] == [f"s{n}" for n in range(15)]
    # a redelivered event adds nothing; paging from a cursor neither skips nor repeats
    store.add_change({"event_id": "w0-0", "event_type": "case_status_changed", "case_no": "C0",
                      "occurred_at": "x", "submitted_by": "province"}, "s0")
    store.number_changes()
    pages, cursor = [], 0
    while page := store.read_changes(cursor, 7, "province"):
        pages += page
        cursor = page[-1]["seq"]
    assert pages == changes


class Guarded:
    name = "guarded"

    @rpc
    def act(self, case_no, actor=None):
        return {"case_no": case_no, "role": (actor or {}).get("role")}


@pytest.fixture
def guarded(container_factory, service_config):
    config = {**service_config, "ACTOR_SIGNING_KEY": "integration-key"}
    container = container_factory(Guarded, config)
    container.start()
    return config


def test_an_unsigned_actor_is_refused_and_a_signed_one_believed(guarded):
    with ServiceRpcProxy("guarded", guarded) as proxy:
        assert proxy.act("N1") == {"case_no": "N1", "role": None}  # no actor: nothing to believe
        with pytest.raises(Forbidden):
            proxy.act("N1", actor=ACTOR)
    signature, signed_at = actor_claims.sign("integration-key", "guarded.act", ["N1"], {"actor": ACTOR})
    context = {actor_claims.SIGNATURE_HEADER: signature, actor_claims.SIGNED_AT_HEADER: signed_at}
    with ServiceRpcProxy("guarded", guarded, context_data=context) as proxy:
        assert proxy.act("N1", actor=ACTOR)["role"] == "centre_admin"
        with pytest.raises(Forbidden):  # the signature covers the whole call: another actor is refused
            proxy.act("N1", actor={**ACTOR, "username": "mallory"})


class Caller:
    """A service calling `guarded` on its own behalf, naming an actor (as notification names itself)."""
    name = "caller"
    guarded = TimeoutRpcProxy("guarded", timeout=5)

    @rpc
    def relay(self, case_no, who):
        return self.guarded.act(case_no, actor=who)


def test_a_service_signs_the_actor_it_names(guarded, container_factory):
    container_factory(Caller, guarded).start()   # holds the key, as every service does in services.run
    with ServiceRpcProxy("caller", guarded) as proxy:
        assert proxy.relay("N1", contracts.service_actor("caller"))["role"] == "service"
        assert proxy.relay("N1", None) == {"case_no": "N1", "role": None}


def test_a_caller_without_the_key_cannot_name_an_actor(guarded, container_factory, service_config):
    container_factory(Caller, service_config).start()   # on the same broker, without ACTOR_SIGNING_KEY
    with ServiceRpcProxy("caller", service_config) as proxy:
        with pytest.raises(Forbidden):
            proxy.relay("N1", contracts.service_actor("notification"))
