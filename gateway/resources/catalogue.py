"""The item catalogue (事项目录), served by intake: public to read, edited by the department's admin."""
import falcon

from gateway.access import require
from gateway.resources.base import Resource
from gateway.validation import page, read_json
from services.common.contracts import Intake

EDITORS = ("department_admin", "centre_admin")


class ItemsResource(Resource):
    def on_get(self, req, resp):
        limit, offset = page(req, max_limit=500, default_limit=200)
        items = self.call(req, Intake.SERVICE, Intake.LIST_ITEMS,
                          department=req.get_param("department"), category=req.get_param("category"))
        resp.media = {"items": items[offset:offset + limit], "total": len(items), "limit": limit, "offset": offset}

    def on_post(self, req, resp):
        actor = require(req, *EDITORS)
        item = self.call(req, Intake.SERVICE, Intake.CREATE_ITEM, read_json(req), actor)
        resp.media, resp.status = item, falcon.HTTP_201
        resp.location = f"/v1/items/{item['code']}"


class ItemResource(Resource):
    def on_get(self, req, resp, code):
        resp.media = self.call(req, Intake.SERVICE, Intake.GET_ITEM, code)

    def on_put(self, req, resp, code):
        actor = require(req, *EDITORS)
        resp.media = self.call(req, Intake.SERVICE, Intake.UPDATE_ITEM, code, read_json(req), actor)


class ItemVersionsResource(Resource):
    def on_get(self, req, resp, code):
        resp.media = {"code": code, "versions": self.call(req, Intake.SERVICE, Intake.ITEM_VERSIONS, code)}


class DepartmentsResource(Resource):
    def on_get(self, req, resp):
        resp.media = {"departments": self.call(req, Intake.SERVICE, Intake.LIST_DEPARTMENTS)}
