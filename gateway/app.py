"""The gateway's Falcon app: `create_app(rpc, store)` wires it; `get_app()` wires it from the environment.

gunicorn runs `gateway.app:get_app()`; tests call create_app with a fake RPC client.
"""
import functools
import json
import logging

import falcon
import falcon.media

from gateway import errors, pages
from gateway.accounts import ensure_admin
from gateway.auth import Authenticator
from gateway.departments import DepartmentRouter
from gateway.idempotency import Idempotency, IdempotencyStore
from gateway.metrics import Metrics
from gateway.middleware import BodyLimit, Credentials, RateLimit, RequestContext
from gateway.ratelimit import RateLimiter
from gateway.resources.base import Deps
from gateway.routes import ROUTES
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


def create_app(rpc, store, settings: GatewaySettings | None = None, dead_letters=None,
               router: DepartmentRouter | None = None) -> falcon.App:
    settings = settings or GatewaySettings()
    store.ensure_indexes()
    ensure_admin(store, settings)
    metrics = Metrics()
    limiter = RateLimiter(store)
    authenticator = Authenticator(store, settings, limiter)
    deps = Deps(rpc=rpc, store=store, settings=settings, authenticator=authenticator, metrics=metrics,
                dead_letters=dead_letters, router=router or DepartmentRouter())
    keys = IdempotencyStore(store.accounts.database)
    keys.ensure_indexes()
    idempotency = Idempotency(keys, settings.rpc_timeout)
    app = falcon.App(middleware=[RequestContext(metrics), BodyLimit(settings.max_body_bytes),
                                 RateLimit(limiter, settings.rate_limit_per_minute, settings.trusted_proxies),
                                 Credentials(authenticator), idempotency])
    app.req_options.strip_url_path_trailing_slash = True
    # Chinese text as UTF-8, not \u escapes: readable by people and half the bytes.
    utf8_json = falcon.media.JSONHandler(dumps=functools.partial(json.dumps, ensure_ascii=False))
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = utf8_json
    errors.install(app)
    for path, resource_class in ROUTES:
        app.add_route(path, resource_class(deps))
    pages.install(app, deps)  # HTML pages over the same API (gateway/pages)
    return app


def get_app() -> falcon.App:
    from pymongo import MongoClient

    from gateway.dead_letters import DeadLetterOffice
    from gateway.rpc import RpcClient
    from gateway.store import AccountStore
    from services.common.config import database_name, setting
    from services.common.logs import configure_logging

    configure_logging("gateway", setting("LOG_LEVEL"))
    settings = GatewaySettings.from_env()
    rpc = RpcClient(setting("AMQP_URI"), timeout=settings.rpc_timeout,
                    service_concurrency=settings.service_concurrency)
    # pymongo directly: services.common.mongo would import nameko (and eventlet) into a threaded process.
    # Short timeouts: a database outage answers 503 in seconds instead of holding the thread for 30 s.
    # Journaled: an idempotency answer or an account the gateway acknowledged survives a database crash.
    client = MongoClient(setting("MONGO_URI"), tz_aware=True, serverSelectionTimeoutMS=3000,
                         connectTimeoutMS=3000, socketTimeoutMS=10000, w=1, journal=True)
    store = AccountStore(client[database_name("gateway")])
    dead_letters = DeadLetterOffice(setting("AMQP_URI"), client[database_name("gateway")])
    log.info("gateway app created")
    router = DepartmentRouter.from_setting(setting("DEPARTMENT_POOLS"))  # department pools (docs/scaling.md)
    return create_app(rpc, store, settings, dead_letters, router=router)
