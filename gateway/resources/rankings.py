"""红旗窗口 and 服务标兵 rankings, and the score formula the centre configures."""
from gateway import schemas
from gateway.access import OVERSIGHT_ROLES, STAFF_ROLES, require
from gateway.resources.base import Resource
from gateway.resources.evaluation import query_params
from gateway.validation import read_json, validate
from services.common.contracts import Evaluation

RANKING_QUERY = {"type": "object", "properties": {"period": schemas.PERIOD}, "required": ["period"]}
READERS = (*STAFF_ROLES, *OVERSIGHT_ROLES)


class RankingsResource(Resource):
    def on_get(self, req, resp):
        require(req, *READERS)
        query = validate(query_params(req, ("period",)), RANKING_QUERY)
        ranking = self.call(req, Evaluation.SERVICE, Evaluation.RANKINGS, query["period"])
        # Evaluation knows staff by username; the accounts (and their names) are the gateway's.
        names = self.deps.store.display_names(row.get("username") for row in ranking.get("staff", []))
        for row in ranking.get("staff", []):
            row["display_name"] = names.get(row.get("username"), row.get("username"))
        resp.media = ranking


class RankingFormulaResource(Resource):
    def on_get(self, req, resp):
        require(req, *READERS)
        resp.media = self.call(req, Evaluation.SERVICE, Evaluation.GET_RANKING_FORMULA)

    def on_put(self, req, resp):
        actor = require(req, *OVERSIGHT_ROLES)
        body = validate(read_json(req), schemas.RANKING_FORMULA)
        resp.media = self.call(req, Evaluation.SERVICE, Evaluation.SET_RANKING_FORMULA, body, actor)
