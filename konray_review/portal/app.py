"""The FastAPI application: settings, store, sessions, templates, security headers, routes.

``create_app()`` builds everything from a ``PortalConfig`` (environment by default), so the
same object runs under ``konray-review serve``, ``uvicorn --factory`` or gunicorn.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from konray_review.portal import throttle
from konray_review.portal.config import PortalConfig
from konray_review.portal.data import PortalData
from konray_review.portal.logs import RedactQueryFilter
from konray_review.portal.secret import load_secret
from konray_review.portal.sessions import SessionStore
from konray_review.portal.tables import ensure_tables
from konray_review.portal.web import LoginRequired, is_https, login_redirect, render

HERE = Path(__file__).parent
log = logging.getLogger("konray_review.portal")

PROXY_WARNING = (
    "Yêu cầu có header X-Forwarded-Proto/X-Forwarded-For nhưng chưa cấu hình proxy tin cậy "
    "(KONRAY_PORTAL_TRUSTED_PROXIES): portal bỏ qua các header này, nên cookie có thể thiếu "
    "cờ Secure và mọi người dùng bị tính chung một địa chỉ khi chặn đăng nhập sai. "
    "(Forwarded headers seen but no trusted proxies configured: they are ignored; set "
    "KONRAY_PORTAL_TRUSTED_PROXIES and/or KONRAY_PORTAL_HTTPS=1, see docs/portal.md.)"
)

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


@dataclass
class PortalState:
    config: PortalConfig
    store: object
    engine: object
    data: PortalData
    sessions: SessionStore
    secret: str
    templates: Jinja2Templates
    profile: object


def _open_store(config: PortalConfig):
    from konray_review.store import Store

    return Store(config.store_url)


def create_app(config: PortalConfig | None = None, *, store: Any = None) -> FastAPI:
    """The portal over ``store`` (default: the store at ``config.store_url``)."""
    from konray_review.profile import load_profile

    config = config or PortalConfig.from_env()
    store = store or _open_store(config)
    engine = store.engine
    ensure_tables(engine)
    secret = load_secret(config.secret)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    profile = load_profile(config.profile)
    state = PortalState(
        config=config, store=store, engine=engine,
        data=PortalData(store, unit_order=profile.unit_names,
                        unit_slugs={u.name: u.slug for u in profile.units}),
        sessions=SessionStore(engine, secret, hours=config.session_hours,
                              idle_minutes=config.idle_minutes),
        secret=secret, templates=templates, profile=profile,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # search terms (names) travel in query strings: keep them out of the access log
        access = logging.getLogger("uvicorn.access")
        if not any(isinstance(f, RedactQueryFilter) for f in access.filters):
            access.addFilter(RedactQueryFilter())
        throttle.prune(engine)  # login attempts only matter for throttling: keep 30 days
        yield

    app = FastAPI(title="konray-review portal", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan, dependencies=[Depends(bounded_numbers)])
    app.state.portal = state
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _install_handlers(app)
    _install_headers(app)
    from konray_review.portal.routes import admin, auth, decisions, files, review

    for module in (auth, review, files, admin, decisions):
        app.include_router(module.router)
    if config.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(config.trusted_proxies))
    else:
        _install_proxy_warning(app)
    return app


def _install_proxy_warning(app: FastAPI) -> None:
    """Warn once when a reverse proxy forwards requests the portal was not told to trust.

    Why: behind TLS without ``trusted_proxies`` the portal sees plain HTTP from the proxy's
    address, so the session cookie lacks Secure (unless ``KONRAY_PORTAL_HTTPS``) and the
    per-address login throttle counts every user as the proxy. The message names no client,
    address or path (no personal data).
    """
    warned = False

    @app.middleware("http")
    async def proxy_warning(request: Request, call_next):
        nonlocal warned
        if not warned and ("x-forwarded-proto" in request.headers
                           or "x-forwarded-for" in request.headers):
            warned = True
            log.warning(PROXY_WARNING)
        return await call_next(request)


#: numbers a URL may carry: a year, a page (beyond these "not found", never a 500; a page
#: below 1 is still taken as the first, as the list page always did)
NUMBER_PARAMS = {"year": (1900, 2200), "page": (-1_000_000, 1_000_000)}


def bounded_numbers(request: Request) -> None:
    """404 for a year or page outside its range, before any handler sends it to the database.

    Why: ``/years/99999999999999999999`` overflowed the database integer (a 500 with a
    traceback, issue 15 item 6). Checked for every route in one place.
    """
    for params in (request.path_params, request.query_params):
        for name, (low, high) in NUMBER_PARAMS.items():
            raw = params.get(name)
            if raw is None or raw == "":
                continue
            text = str(raw).strip()
            if len(text) > 12 or not text.lstrip("+-").isdigit() or not low <= int(text) <= high:
                raise StarletteHTTPException(status_code=404)


HSTS = "max-age=31536000; includeSubDomains"


def _install_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        try:
            response = await call_next(request)
        except Exception:
            # the type only: a message may hold row data (names); the traceback stays out
            log.error("lỗi không lường trước (unexpected error) %s on %s",
                      "portal", request.method)
            log.debug("unexpected error", exc_info=True)
            response = PlainTextResponse(
                "Lỗi máy chủ, vui lòng thử lại sau. (Server error, please try again later.)",
                status_code=500)
        for k, v in _SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if is_https(request):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def _audit_refused(request: Request) -> None:
    """A refused page (403) in the audit log: who tried which path (no query: it holds names)."""
    from konray_review.portal import audit
    from konray_review.portal.web import client_ip, optional_user, state

    user = optional_user(request)
    year = str(request.path_params.get("year") or "")
    audit.record(state(request).engine, "access_denied",
                 username=user.username if user else None, role=user.role if user else None,
                 review_year=int(year) if year.isdigit() else None,
                 obj=request.url.path, ip=client_ip(request))


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        return login_redirect(request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (403, 404):
            key = "forbidden" if exc.status_code == 403 else "not_found"
            if exc.detail == "csrf":
                key = "csrf_failed"
            elif exc.status_code == 403:
                await run_in_threadpool(_audit_refused, request)
            return render(request, "error.html", status_code=exc.status_code, message_key=key)
        if exc.status_code == 405:
            return Response(status_code=405)
        return Response(status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, _exc: Exception) -> Response:
        # a malformed id or year in the URL is simply "not found"
        return render(request, "error.html", status_code=404, message_key="not_found")
