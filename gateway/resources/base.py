"""What every resource shares: its dependencies and a request-scoped RPC call."""
from dataclasses import dataclass

from services.common import contracts
from services.common.errors import NotFound


@dataclass
class Deps:
    rpc: object            # gateway.rpc.RpcClient or a fake with the same .call
    store: object          # gateway.store.AccountStore
    settings: object       # gateway.settings.GatewaySettings
    authenticator: object  # gateway.auth.Authenticator
    metrics: object        # gateway.metrics.Metrics
    dead_letters: object = None  # gateway.dead_letters.DeadLetterOffice (None: not wired, 503)


class Resource:
    def __init__(self, deps: Deps):
        self.deps = deps

    def call(self, req, service: str, method: str, *args, **kwargs):
        """An RPC carrying this request's id, so every service logs under it."""
        return self.deps.rpc.call(service, method, *args, request_id=req.context.request_id, **kwargs)

    def load_case(self, req, case_no: str) -> dict:
        """Approval owns a case from acceptance; before that it lives in intake."""
        try:
            return self.call(req, contracts.Approval.SERVICE, contracts.Approval.GET_CASE, case_no)
        except NotFound:
            return self.call(req, contracts.Intake.SERVICE, contracts.Intake.GET_APPLICATION, case_no)
