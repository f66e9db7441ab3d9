"""The baselines' bare gateway: gunicorn + Falcon, no auth, no validation, calling the
baseline service through the gateway's own RPC client.

GET /ping: one RPC to a service that does nothing (the one-RPC baseline).
POST /submit: one RPC to a service doing the least a submission must do (one indexed
journaled insert, one confirmed publish): the least-work baseline.

`gunicorn --config deploy/gunicorn.conf.py "bench.baseline_app:get_app()"`
"""
import falcon

from bench import BASELINE_SERVICE
from services.common.config import float_setting, setting


class PingResource:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp):
        resp.media = {"answer": self.rpc.call(BASELINE_SERVICE, "ping", request_id=req.get_header("X-Request-Id"))}


class SubmitResource:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp):
        resp.media = self.rpc.call(BASELINE_SERVICE, "submit", req.get_media(), req.get_header("Idempotency-Key"),
                                   request_id=req.get_header("X-Request-Id"))
        resp.status = falcon.HTTP_201


def create_app(rpc) -> falcon.App:
    app = falcon.App()
    app.add_route("/ping", PingResource(rpc))
    app.add_route("/submit", SubmitResource(rpc))
    return app


def get_app() -> falcon.App:
    from gateway.rpc import RpcClient

    return create_app(RpcClient(setting("AMQP_URI"), float_setting("RPC_TIMEOUT")))
