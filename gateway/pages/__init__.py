"""Pages people use (HTML, Chinese): the public window, the staff workbench, the supervision dashboard.

`install(app, deps)` adds the page routes of gateway/routes.py (PAGE_ROUTES),
the static files and the pages' error pages to the gateway app. Pages read
and change nothing themselves: they call the gateway's own JSON API in-process
(gateway/pages/api.py) with the logged-in person's token.
"""
import falcon

from gateway.pages.api import ApiError, InProcessApi
from gateway.pages.base import HTML, STATIC, PageDeps, Refused, make_environment, unavailable_text
from gateway.pages.sessions import PageSettings, SessionStore


def install(app: falcon.App, deps, settings: PageSettings | None = None) -> None:
    from gateway.routes import PAGE_ROUTES

    settings = settings or PageSettings.from_env()
    sessions = SessionStore(deps.store.accounts.database, settings)
    sessions.ensure_indexes()
    env = make_environment()
    page_deps = PageDeps(api=InProcessApi(app), sessions=sessions, env=env, settings=settings)
    for path, resource_class in PAGE_ROUTES:
        app.add_route(path, resource_class(page_deps))
    app.add_static_route("/static", str(STATIC))

    def error_page(status: int, title: str, message: str):
        def handle(req, resp, exc, params):
            resp.status, resp.content_type = status if isinstance(status, int) else exc.status, HTML
            resp.text = env.get_template("message.html").render(title=title, message=message(exc), user=None,
                                                                 csrf="", path=req.path)
        return handle

    app.add_error_handler(Refused, error_page(403, "无权访问", str))
    app.add_error_handler(ApiError, error_page(None, "暂不可用", unavailable_text))
