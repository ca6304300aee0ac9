"""Login, logout, language switch, own password, health check."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from konray_review.portal import audit, csrf, throttle
from konray_review.portal.accounts import AccountError, authenticate, set_password
from konray_review.portal.i18n import LANG_COOKIE, LANGS
from konray_review.portal.sessions import COOKIE_NAME
from konray_review.portal.web import (
    check_csrf,
    client_ip,
    optional_user,
    render,
    require_user,
    safe_next,
    session_of,
    set_cookie,
    state,
)

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz() -> PlainTextResponse:
    """For the reverse proxy / service manager: the app is up (no data, no login)."""
    return PlainTextResponse("ok")


@router.get("/")
def home(request: Request) -> Response:
    target = "/years" if optional_user(request) else "/login"
    return RedirectResponse(target, status_code=303)


def _login_page(request: Request, *, next_url: str, error: str | None = None,
                status_code: int = 200, **fmt: object) -> Response:
    pre = request.cookies.get(csrf.PRE_COOKIE) or csrf.new_pre_value()
    token = csrf.pre_token(state(request).secret, pre)
    response = render(request, "login.html", status_code=status_code, next_url=next_url,
                      login_csrf=token, error=error, error_fmt=fmt)
    set_cookie(request, response, csrf.PRE_COOKIE, pre, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if optional_user(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    st = state(request)
    form = await request.form()
    next_url = safe_next(str(form.get("next", "/")))
    pre = request.cookies.get(csrf.PRE_COOKIE)
    given = str(form.get(csrf.FIELD, ""))
    if not pre or not csrf.matches(csrf.pre_token(st.secret, pre), given):
        return _login_page(request, next_url=next_url, error="csrf_failed", status_code=403)
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    ip = client_ip(request)
    cfg = st.config
    if throttle.is_locked(st.engine, username, ip, max_user=cfg.max_failures_user,
                          max_ip=cfg.max_failures_ip, window_minutes=cfg.throttle_minutes):
        audit.record(st.engine, "login_locked", username=username, ip=ip)
        return _login_page(request, next_url=next_url, error="login_locked", status_code=429,
                           minutes=cfg.throttle_minutes)
    user = authenticate(st.engine, username, password) if username and password else None
    throttle.record_attempt(st.engine, username, ip, success=user is not None)
    if user is None:
        audit.record(st.engine, "login_failed", username=username, ip=ip)
        return _login_page(request, next_url=next_url, error="login_failed", status_code=401)
    cookie, _sess = st.sessions.create(user.id)
    audit.record(st.engine, "login", username=user.username, role=user.role, ip=ip)
    response = RedirectResponse(next_url, status_code=303)
    set_cookie(request, response, COOKIE_NAME, cookie, max_age=st.sessions.max_age)
    response.delete_cookie(csrf.PRE_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    user = require_user(request)
    await check_csrf(request)
    st = state(request)
    sess = session_of(request)
    if sess is not None:
        st.sessions.destroy(sess.token_hash)
    audit.record(st.engine, "logout", username=user.username, role=user.role,
                 ip=client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    """Only a display preference (no data changes), so a plain link is fine."""
    if code not in LANGS:
        raise HTTPException(status_code=404)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(request, response, LANG_COOKIE, code, max_age=365 * 24 * 3600, http_only=False)
    return response


@router.get("/account/password")
def password_form(request: Request) -> Response:
    user = require_user(request)
    return render(request, "password.html", user=user)


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    user = require_user(request)
    form = await check_csrf(request)
    st = state(request)
    if authenticate(st.engine, user.username, str(form.get("current", ""))) is None:
        return render(request, "password.html", status_code=400, user=user,
                      error="wrong_password")
    try:
        set_password(st.engine, user.username, str(form.get("new", "")))
    except AccountError as exc:
        return render(request, "password.html", status_code=400, user=user, error_text=str(exc))
    audit.record(st.engine, "password_change", username=user.username, role=user.role,
                 ip=client_ip(request))
    # every session ended with the change: log in again with the new password
    response = RedirectResponse(f"/login?next={quote('/years', safe='')}", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
