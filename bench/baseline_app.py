"""The baseline's bare gateway: gunicorn + Falcon, one endpoint making one RPC
through the gateway's own RPC client, no auth, no validation, no database.

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


def create_app(rpc) -> falcon.App:
    app = falcon.App()
    app.add_route("/ping", PingResource(rpc))
    return app


def get_app() -> falcon.App:
    from gateway.rpc import RpcClient

    return create_app(RpcClient(setting("AMQP_URI"), float_setting("RPC_TIMEOUT")))
