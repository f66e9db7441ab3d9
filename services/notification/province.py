"""The provincial network's side of notification: the change feed and signed
webhooks. A mixin of NotificationService, so its entrypoints and queues are
the service's own (see services/notification/province_store.py for the
guarantees).

Every case event notification hears goes through `_province(event)`: a status
change is appended to the feed (numbered by a timer twice a second, or by a reader first), and every active webhook of
the client that submitted the case and wants this event gets a delivery,
sent at once and retried by the timer.
"""
import logging
import time

from nameko.extensions import DependencyProvider

from services.common import contracts
from services.common.config import setting
from services.common.crypto import FieldCipher
from services.common.entrypoints import timer
from services.common.errors import Forbidden, InvalidInput, NotFound, field_error
from services.common.handlers import handle
from services.common.mongo import Storage
from services.common.rpc import rpc
from services.notification import changes, webhooks
from services.notification.dispatch import Dispatcher
from services.notification.province_store import ProvinceStore

log = logging.getLogger(__name__)

WEBHOOK_SWEEP_SECONDS = float(setting("WEBHOOK_SWEEP_SECONDS") or 2)
FEED_NUMBER_SECONDS = 0.5
OVERSIGHT_ROLES = ("supervisor", "centre_admin")


class ProvinceSettings(DependencyProvider):
    """Webhook retry settings and the cipher for stored secrets (service config first, then environment)."""

    def setup(self):
        config = self.container.config

        def value(name: str, default: str) -> str:
            found = config.get(name)
            return str(found) if found not in (None, "") else (setting(name) or default)

        development = value("WINDOW_ENV", "production") == "development"
        self.settings = {
            "max_attempts": int(value("WEBHOOK_MAX_ATTEMPTS", "8")),
            "retry_base": float(value("WEBHOOK_RETRY_BASE_SECONDS", "30")),
            "overlap": int(value("WEBHOOK_SECRET_OVERLAP_SECONDS", "86400")),
            # Loopback / private receivers only in development, and only when asked for (tests, demos).
            "allow_private": development and value("WEBHOOK_ALLOW_PRIVATE", "0") == "1",
            "cipher": FieldCipher(value("PII_KEY", "dev-only-pii-key-change-me"), "webhook-secrets"),
        }

    def get_dependency(self, worker_ctx):
        return self.settings


def _client_scope(actor: dict | None) -> str | None:
    """Whose data the caller may see: an API client its own, oversight all (None)."""
    role = (actor or {}).get("role")
    if role == "api_client":
        return actor["username"]
    if role in OVERSIGHT_ROLES:
        return None
    raise Forbidden("只有 API 客户端、监察人员和中心管理员可以访问")


def _webhook_view(doc: dict) -> dict:
    return {"id": doc["_id"], "client": doc["client"], "url": doc["url"], "events": doc["events"],
            "active": doc["active"], "created_at": doc["created_at"], "rotated_at": doc.get("rotated_at")}


class ProvinceFeeds:
    province = Storage(ProvinceStore)
    province_settings = ProvinceSettings()

    # --- events --------------------------------------------------------------------------
    @handle(contracts.APPLICATION_RECEIVED)
    def on_application_received(self, event):
        self._notify(event)

    @handle(contracts.CASE_STATUS_CHANGED)
    def on_case_status_changed(self, event):
        self._notify(event)

    @handle(contracts.CASE_CLOSED)
    def on_case_closed(self, event):
        self._notify(event)

    def _province(self, event: dict) -> None:
        """Feed and webhooks for one event; idempotent (by event id)."""
        case_no = event.get("case_no")
        status = changes.status_of(event)
        if status and case_no:
            self.province.add_change(event, status)  # numbered by `number_feed` (or a reader) within a moment
        if not webhooks.may_reach_a_client(event):
            return
        self.province.remember_client(case_no, event.get("submitted_by"))
        client = event.get("submitted_by") or self.province.client_of(case_no)
        if not client:
            return
        body = webhooks.payload(event, changes.webhook_status(event))
        for hook in self.province.webhooks_of(client):  # stored only: the timer sends (no HTTP in a handler)
            if event["event_type"] in hook["events"]:
                self.province.add_delivery(hook, event, body)

    def _dispatcher(self) -> Dispatcher:
        s = self.province_settings
        return Dispatcher(self.province, s["cipher"], s["max_attempts"], s["retry_base"], s["allow_private"])

    @timer(interval=WEBHOOK_SWEEP_SECONDS)
    def send_webhooks(self):
        self._dispatcher().pump_due()

    @timer(interval=FEED_NUMBER_SECONDS)
    def number_feed(self):
        """Numbers the changes stored since the last tick, in one pass (a read, a lease, one write each,
        the lease back): per event, numbering cost four more database calls under a burst."""
        self.province.number_changes()

    # --- change feed ------------------------------------------------------------------------
    @rpc
    def list_changes(self, actor, cursor=None, limit=100):
        client = _client_scope(actor)
        after = changes.parse_cursor(cursor)
        if after is None:
            raise InvalidInput("游标无效", [field_error("cursor", "应为上一页返回的 next_cursor")])
        limit = max(1, min(int(limit), 500))
        self.province.number_changes()  # a reader sees every change stored before it asked
        found = self.province.read_changes(after, limit, client)
        next_cursor = str(found[-1]["seq"]) if found else str(after)
        return {"changes": found, "next_cursor": next_cursor}

    # --- webhooks --------------------------------------------------------------------------
    @rpc
    def register_webhook(self, actor, url, events):
        if (actor or {}).get("role") != "api_client":
            raise Forbidden("只有 API 客户端可以注册 Webhook")
        errors = []
        problem = webhooks.url_problem(url, self.province_settings["allow_private"])
        if problem:
            errors.append(field_error("url", problem))
        unknown = [e for e in events or [] if e not in webhooks.EVENTS]
        if not events or unknown:
            message = ("事件无效：" + "、".join(map(str, unknown))) if unknown else "至少订阅一个事件"
            errors.append(field_error("events", message))
        if errors:
            raise InvalidInput("Webhook 注册信息无效", errors)
        secret = webhooks.new_secret()
        cipher = self.province_settings["cipher"]
        doc = self.province.add_webhook(actor["username"], url, events, cipher.encrypt(secret, "webhook-secret"))
        return {**_webhook_view(doc), "secret": secret}

    @rpc
    def list_webhooks(self, actor):
        return [_webhook_view(doc) for doc in self.province.webhooks_of(_client_scope(actor))]

    def _own_webhook(self, actor, webhook_id) -> dict:
        client = _client_scope(actor)
        doc = self.province.webhook(webhook_id)
        if client is not None and doc["client"] != client:
            raise NotFound(f"Webhook {webhook_id} 不存在")
        return doc

    @rpc
    def get_webhook(self, actor, webhook_id):
        return _webhook_view(self._own_webhook(actor, webhook_id))

    @rpc
    def rotate_webhook_secret(self, actor, webhook_id):
        """A new secret for every delivery not yet sent; the old one still signs (a second header) for a while."""
        self._own_webhook(actor, webhook_id)
        secret = webhooks.new_secret()
        overlap = self.province_settings["overlap"]
        doc = self.province.rotate_secret(webhook_id, self.province_settings["cipher"].encrypt(secret,
                                                                                               "webhook-secret"),
                                          overlap)
        return {**_webhook_view(doc), "secret": secret,
                "previous_valid_until": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(doc["previous_until"]))}

    @rpc
    def delete_webhook(self, actor, webhook_id):
        self._own_webhook(actor, webhook_id)
        return _webhook_view(self.province.deactivate(webhook_id))

    @rpc
    def list_deliveries(self, actor, webhook_id, limit=50):
        self._own_webhook(actor, webhook_id)
        return {"deliveries": self.province.deliveries_of(webhook_id, max(1, min(int(limit), 200)))}
