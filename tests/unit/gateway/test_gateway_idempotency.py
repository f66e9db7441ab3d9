"""Idempotency-Key on state-changing calls: a retry after 503 runs once, a replay gets the same answer,
another body gets 409; the keys live in the gateway's database (another app instance sees them)."""
from datetime import UTC, datetime, timedelta

import falcon.testing
from gateway_fakes import SETTINGS

from gateway.app import create_app
from gateway.idempotency import applied_since
from services.common.errors import Conflict, Unavailable


def case_view(status):
    return {"case_no": "C1", "item_code": "HEALTH-PUBLIC-PLACE-NEW", "department": "health", "status": status,
            "owner": "zhangsan", "submitted_by": "zhangsan", "history": []}


def test_transition_with_a_key_runs_once_and_replays_its_answer(client, rpc, store, login):
    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view("accepted"))
    rpc.on("approval", "transition", lambda *args: case_view("in_review"))
    clerk = {**login("clerk1", "clerk", "health"), "Idempotency-Key": "t-1"}
    body = {"action": "start_review", "comment": "开始审查"}
    first = client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body)
    assert first.status_code == 200 and first.json["status"] == "in_review"
    again = create_app(rpc, store, SETTINGS)  # another worker or a restarted gateway: same database
    second = falcon.testing.TestClient(again).simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body)
    assert second.status_code == 200 and second.json == first.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(rpc.calls_to("approval", "transition")) == 1
    other = client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json={"action": "approve"})
    assert other.status_code == 409
    assert "幂等键" in other.json["detail"]
    assert len(rpc.calls_to("approval", "transition")) == 1


def test_a_503_leaves_the_key_open_for_a_retry_after_the_deadline(client, rpc, store, login):
    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view("accepted"))
    rpc.on("approval", "transition", Unavailable("服务 approval 未在 10 秒内响应"))
    clerk = {**login("clerk1", "clerk", "health"), "Idempotency-Key": "t-2"}
    body = {"action": "start_review"}
    assert client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body).status_code == 503
    # until the first attempt's RPC deadline has passed, a retry could race it: 503, try later
    busy = client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body)
    assert busy.status_code == 503 and "仍在处理中" in busy.json["detail"]
    store.accounts.database.idempotency_keys.update_one({"_id": "clerk1:t-2"}, {"$set": {"lease_until": 0}})
    rpc.on("approval", "transition", lambda *args: case_view("in_review"))
    retried = client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body)
    assert retried.status_code == 200 and retried.json["status"] == "in_review"
    assert client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body).json == retried.json
    assert len(rpc.calls_to("approval", "transition")) == 2


def test_keys_belong_to_their_caller_and_errors_replay_too(client, rpc, login):
    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view("accepted"))
    rpc.on("approval", "transition", lambda *args: case_view("in_review"))
    one = {**login("clerk1", "clerk", "health"), "Idempotency-Key": "same"}
    two = {**login("clerk2", "clerk", "health"), "Idempotency-Key": "same"}
    for headers in (one, two):
        assert client.simulate_post("/v1/cases/C1/transitions", headers=headers,
                                    json={"action": "start_review"}).status_code == 200
    assert len(rpc.calls_to("approval", "transition")) == 2
    bad = {"action": 7}
    assert client.simulate_post("/v1/cases/C1/transitions", headers={**one, "Idempotency-Key": "b"},
                                json=bad).status_code == 422
    replay = client.simulate_post("/v1/cases/C1/transitions", headers={**one, "Idempotency-Key": "b"}, json=bad)
    assert replay.status_code == 422 and replay.headers["content-type"].startswith("application/problem+json")
    too_long = client.simulate_post("/v1/cases/C1/transitions", headers={**one, "Idempotency-Key": "k" * 201},
                                    json={"action": "start_review"})
    assert too_long.status_code == 422


def test_a_retry_whose_first_attempt_went_through_gets_the_case_not_409(client, rpc, store, login):
    """The first attempt ran but its answer was lost (broker crash, frozen service): the retry's 409 is
    turned into the case as it stands, because its history shows this action by this role since then."""
    state = {"case": case_view("in_review")}
    rpc.on("approval", "get_case", lambda case_no, actor=None: state["case"])
    rpc.on("approval", "transition", Unavailable("服务 approval 未在 10 秒内响应"))
    chief = {**login("chief1", "chief_rep", "health"), "Idempotency-Key": "t-3"}
    first = client.simulate_post("/v1/cases/C1/transitions", headers=chief, json={"action": "approve"})
    assert first.status_code == 503
    state["case"] = {**case_view("approved"), "history": [
        {"at": datetime.now(UTC).isoformat(), "status": "approved", "action": "approve", "actor_role": "chief_rep"}]}
    store.accounts.database.idempotency_keys.update_one({"_id": "chief1:t-3"}, {"$set": {"lease_until": 0}})
    rpc.on("approval", "transition", Conflict("当前状态不能执行该操作"))
    retried = client.simulate_post("/v1/cases/C1/transitions", headers=chief, json={"action": "approve"})
    assert retried.status_code == 200 and retried.json["status"] == "approved"
    # without a key there is no earlier attempt to recognise: 409 as ever
    plain = client.simulate_post("/v1/cases/C1/transitions", headers={"Authorization": chief["Authorization"]},
                                 json={"action": "approve"})
    assert plain.status_code == 409


def test_applied_since_reads_the_history_back_to_the_first_attempt():
    history = [{"at": "2026-01-05T01:00:00+00:00", "action": "approve", "actor_role": "chief_rep"},
               {"at": "2026-01-05T02:00:00+00:00", "action": "deliver", "actor_role": "clerk"}]
    first_try = datetime.fromisoformat("2026-01-05T00:59:00+00:00").timestamp()
    assert applied_since({"history": history}, "approve", "chief_rep", first_try)
    assert not applied_since({"history": history}, "approve", "clerk", first_try)
    later = datetime.fromisoformat("2026-01-05T01:30:00+00:00").timestamp()
    assert not applied_since({"history": history}, "approve", "chief_rep", later)


def test_keys_are_kept_for_the_retention_window_then_expire(client, rpc, store, login):
    """A TTL index removes a claim KEY_RETENTION after its first use; within the window the answer replays."""
    from gateway.idempotency import KEY_RETENTION

    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view("accepted"))
    rpc.on("approval", "transition", lambda *args: case_view("in_review"))
    clerk = {**login("clerk1", "clerk", "health"), "Idempotency-Key": "ttl-1"}
    body = {"action": "start_review"}
    before = datetime.now(UTC)
    assert client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body).status_code == 200
    keys = store.accounts.database.idempotency_keys
    claim = keys.find_one({"_id": "clerk1:ttl-1"})
    slack = timedelta(seconds=1)  # BSON dates keep milliseconds
    assert before + KEY_RETENTION - slack <= claim["expires_at"] <= datetime.now(UTC) + KEY_RETENTION
    ttl = [ix for ix in keys.list_indexes() if "expireAfterSeconds" in ix]
    assert [(list(ix["key"]), ix["expireAfterSeconds"]) for ix in ttl] == [(["expires_at"], 0)]
    assert client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body).headers.get(
        "Idempotent-Replayed") == "true"
    keys.delete_one({"_id": "clerk1:ttl-1"})  # what the TTL monitor does once the window has passed
    again = client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body)
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers
    assert len(rpc.calls_to("approval", "transition")) == 2


def test_a_404_is_not_the_keys_answer(client, rpc, login):
    """Right after acceptance approval may not have opened the case yet: a retry with the same key must
    reach it once it is there, not replay the 404 for the whole retention window."""
    from services.common.errors import NotFound

    rpc.on("approval", "get_case", NotFound("办件 C1 不存在"))   # accepted in intake, not opened in approval yet
    rpc.on("intake", "get_application", lambda case_no, actor=None: case_view("accepted"))
    rpc.on("approval", "transition", NotFound("办件 C1 不存在"))
    clerk = {**login("clerk1", "clerk", "health"), "Idempotency-Key": "nf-1"}
    body = {"action": "start_review"}
    assert client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body).status_code == 404
    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view("accepted"))   # opened now
    rpc.on("approval", "transition", lambda *args: case_view("in_review"))
    retried = client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body)
    assert retried.status_code == 200 and retried.json["status"] == "in_review"
    assert "Idempotent-Replayed" not in retried.headers
    assert client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=body).headers.get(
        "Idempotent-Replayed") == "true"
