"""Operations: liveness, readiness (broker and every service answer ping), Prometheus, the OpenAPI document."""
import json
from concurrent.futures import ThreadPoolExecutor

import falcon

from gateway.errors import PROBLEM_JSON, problem
from gateway.openapi import openapi_document
from gateway.resources.base import Resource
from services.common.contracts import SERVICES


class HealthResource(Resource):
    def on_get(self, req, resp):
        resp.media = {"status": "alive"}


class ReadyResource(Resource):
    def on_get(self, req, resp):
        timeout = self.deps.settings.readiness_timeout
        with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:
            answers = dict(zip(SERVICES, pool.map(lambda s: self._ping(req, s, timeout), SERVICES), strict=True))
        down = sorted(name for name, ok in answers.items() if not ok)
        if down:
            resp.status = falcon.HTTP_503
            body = problem(503, "unavailable", "服务暂不可用", "未响应的服务：" + "、".join(down))
            resp.content_type = PROBLEM_JSON
            resp.text = json.dumps({**body, "services": answers, "unavailable": down}, ensure_ascii=False)
        else:
            resp.media = {"status": "ready", "services": answers}

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
