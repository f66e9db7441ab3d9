"""The caller's in-app inbox: messages to the account, to its role, and to its department's staff."""
from gateway.access import STAFF_ROLES, require
from gateway.resources.base import Resource
from gateway.validation import page
from services.common.contracts import Notification


def recipients(actor: dict) -> list[str]:
    names = [actor["username"], f"role:{actor['role']}"]
    if actor["role"] in STAFF_ROLES and actor.get("department"):
        names.append(f"dept:{actor['department']}:staff")
    return names


class InboxResource(Resource):
    def on_get(self, req, resp):
        actor = require(req)
        limit, offset = page(req)
        messages = self.call(req, Notification.SERVICE, Notification.LIST_INBOX, recipients(actor),
                             limit=limit, offset=offset)
        resp.media = {"notifications": messages, "limit": limit, "offset": offset}
