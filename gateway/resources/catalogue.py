"""The public item catalogue (事项目录), served by intake."""
from gateway.resources.base import Resource
from gateway.validation import page
from services.common.contracts import Intake


class ItemsResource(Resource):
    def on_get(self, req, resp):
        limit, offset = page(req, max_limit=500, default_limit=200)
        items = self.call(req, Intake.SERVICE, Intake.LIST_ITEMS,
                          department=req.get_param("department"), category=req.get_param("category"))
        resp.media = {"items": items[offset:offset + limit], "total": len(items), "limit": limit, "offset": offset}


class ItemResource(Resource):
    def on_get(self, req, resp, code):
        resp.media = self.call(req, Intake.SERVICE, Intake.GET_ITEM, code)
