"""Queues and the clock: the case list (`GET /v1/cases`), electronic supervision (电子监察), the calendar."""
import datetime as dt

from gateway import schemas
from gateway.access import metrics_department, require
from gateway.resources.base import Resource
from gateway.validation import query_int, read_json, validate
from services.common import caselist
from services.common.contracts import Approval, Intake
from services.common.errors import InvalidInput, field_error


class CasesResource(Resource):
    """Cases before acceptance live in intake, after it in approval: both page by the same keys
    as of the listing's first instant, and are merged here (services/common/caselist.py)."""

    def on_get(self, req, resp):
        actor = require(req)
        limit, errors = query_int(req, "limit", caselist.DEFAULT_LIMIT, 1, caselist.MAX_LIMIT)
        if errors:
            raise InvalidInput("查询参数无效", errors)
        query = caselist.check_query({**{name: req.get_param(name) for name in caselist.FILTERS}, "limit": limit})
        cursor = req.get_param("cursor")
        position = caselist.decode_cursor(cursor) if cursor else {
            "as_of": dt.datetime.now(dt.UTC).isoformat(), "after": None}
        query.update(position)
        sources = [self.call(req, Approval.SERVICE, Approval.LIST_CASES, query, actor)]
        if query.get("status") in (None, *Intake.STATUSES):
            sources.append(self.call(req, Intake.SERVICE, Intake.LIST_APPLICATIONS, query, actor))
        pages = [{"rows": list(zip(source["keys"], source["cases"], strict=True)), "bound": source["bound"]}
                 for source in sources]
        rows, after, more = caselist.merge_sources(pages, limit)
        resp.media = {"cases": [case for _, case in rows],
                      "next_cursor": caselist.encode_cursor(position["as_of"], after) if more else None}


class SupervisionResource(Resource):
    def on_get(self, req, resp):
        actor = require(req)
        department = metrics_department(actor, req.get_param("department"))
        resp.media = self.call(req, Approval.SERVICE, Approval.SUPERVISION, department)


def _year(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("年份有误", [field_error("year", "须为整数年份")]) from None


class CalendarResource(Resource):
    def on_get(self, req, resp, year):
        resp.media = self.call(req, Approval.SERVICE, Approval.GET_CALENDAR_YEAR, _year(year))

    def on_put(self, req, resp, year):
        actor = require(req, "centre_admin")
        body = validate(read_json(req), schemas.CALENDAR_YEAR)
        resp.media = self.call(req, Approval.SERVICE, Approval.SET_CALENDAR_YEAR, _year(year), body["holidays"],
                               body["workdays"], actor)
