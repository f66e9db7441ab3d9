"""What every resource shares: its dependencies and a request-scoped RPC call."""
from dataclasses import dataclass, field

from gateway.departments import DepartmentRouter
from services.common import contracts
from services.common.errors import InvalidInput, NotFound
from services.common.routing import department_of_case


@dataclass
class Deps:
    rpc: object            # gateway.rpc.RpcClient or a fake with the same .call
    store: object          # gateway.store.AccountStore
    settings: object       # gateway.settings.GatewaySettings
    authenticator: object  # gateway.auth.Authenticator
    metrics: object        # gateway.metrics.Metrics
    dead_letters: object = None  # gateway.dead_letters.DeadLetterOffice (None: not wired, 503)
    router: DepartmentRouter = field(default_factory=DepartmentRouter)  # department pools (docs/scaling.md)


class Resource:
    def __init__(self, deps: Deps):
        self.deps = deps

    def call(self, req, service: str, method: str, *args, **kwargs):
        """An RPC carrying this request's id, so every service logs under it."""
        return self.deps.rpc.call(service, method, *args, request_id=req.context.request_id, **kwargs)

    def call_for(self, req, department: str | None, service: str, method: str, *args, **kwargs):
        """An RPC for one department's work: its dedicated workers serve it when it has a pool."""
        options = self.deps.router.call_options(service, method, department)
        return self.call(req, service, method, *args, **options, **kwargs)

    def item_department(self, req, item_code, needed: bool = False) -> str | None:
        """The department of a catalogue item, asked of intake once per item (an item never changes
        department): when pools exist, or when the caller says it is `needed` (a clerk's filing)."""
        router = self.deps.router
        if not (router.pools or needed) or not isinstance(item_code, str):
            return None
        department = router.known_item(item_code)
        if department is None:
            try:
                item = self.call(req, contracts.Intake.SERVICE, contracts.Intake.GET_ITEM, item_code)
            except (NotFound, InvalidInput):
                return None  # the call that follows names the bad item
            department = router.remember_item(item_code, item.get("department"))
        return department

    def load_case(self, req, case_no: str, actor: dict | None = None) -> dict:
        """Approval owns a case from acceptance; before that it lives in intake. With an actor,
        the view carries the actions it may take now (`allowed_actions`)."""
        department, extra = department_of_case(case_no), (actor,) if actor else ()
        try:
            return self.call_for(req, department, contracts.Approval.SERVICE, contracts.Approval.GET_CASE, case_no,
                                 *extra)
        except NotFound:
            return self.call_for(req, department, contracts.Intake.SERVICE, contracts.Intake.GET_APPLICATION,
                                 case_no, *extra)
