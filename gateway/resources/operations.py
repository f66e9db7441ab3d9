"""Operations: liveness (this process can serve), readiness (database, broker and every service answer),
Prometheus, the OpenAPI document."""
import json
from concurrent.futures import ThreadPoolExecutor

import falcon

from gateway.access import require
from gateway.errors import PROBLEM_JSON, problem
from gateway.openapi import openapi_document
from gateway.resources.base import Resource
from services.common.contracts import SERVICES
from services.common.errors import InvalidInput, Unavailable, field_error

DEAD_LETTER_STATES = ("pending", "replaying", "replayed")


def _unavailable(resp, detail: str, **extra) -> None:
    resp.status = falcon.HTTP_503
    resp.content_type = PROBLEM_JSON
    resp.text = json.dumps({**problem(503, "unavailable", "服务暂不可用", detail), **extra}, ensure_ascii=False)


class HealthResource(Resource):
    def on_get(self, req, resp):
        healthy = getattr(self.deps.rpc, "healthy", None)
        ok, reason = healthy() if healthy else (True, "ok")
        if ok:
            resp.media = {"status": "alive"}
        else:
            _unavailable(resp, "网关进程无法处理请求：" + reason)


class ReadyResource(Resource):
    def on_get(self, req, resp):
        timeout = self.deps.settings.readiness_timeout
        with ThreadPoolExecutor(max_workers=len(SERVICES) + 1) as pool:
            database = pool.submit(self._database)
            answers = dict(zip(SERVICES, pool.map(lambda s: self._ping(req, s, timeout), SERVICES), strict=True))
            answers["database"] = database.result()
        down = sorted(name for name, ok in answers.items() if not ok)
        if down:
            _unavailable(resp, "未响应的服务：" + "、".join(down), services=answers, unavailable=down)
        else:
            resp.media = {"status": "ready", "services": answers}

    def _database(self) -> bool:
        try:
            self.deps.store.ping()
            return True
        except Exception:
            return False

    def _ping(self, req, service: str, timeout: float) -> bool:
        try:
            return self.deps.rpc.call(service, "ping", request_id=req.context.request_id, timeout=timeout) == "pong"
        except Exception:
            return False


class PrometheusResource(Resource):
    def on_get(self, req, resp):
        resp.data, resp.content_type = self.deps.metrics.render()


class OpenApiResource(Resource):
    def on_get(self, req, resp):
        resp.media = openapi_document()


class _DeadLetterResource(Resource):
    def _office(self):
        if self.deps.dead_letters is None:
            raise Unavailable("死信管理未配置")
        return self.deps.dead_letters


class DeadLettersResource(_DeadLetterResource):
    """Poison messages (死信) with the reason their handler gave up (centre_admin)."""

    def on_get(self, req, resp):
        require(req, "centre_admin")
        status = req.get_param("status")
        if status is not None and status not in DEAD_LETTER_STATES:
            raise InvalidInput("查询参数有误", [field_error("status", "须为 " + "、".join(DEAD_LETTER_STATES))])
        limit = req.get_param_as_int("limit", min_value=1, max_value=500) or 100
        resp.media = {"dead_letters": self._office().list(status, limit)}


class DeadLetterReplayResource(_DeadLetterResource):
    def on_post(self, req, resp, dead_letter_id):
        actor = require(req, "centre_admin")
        resp.media = self._office().replay(dead_letter_id, actor)
