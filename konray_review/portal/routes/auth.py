"""Login, logout, language switch, own password, health check."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from konray_review.portal import audit, csrf
from konray_review.portal.accounts import AccountError, set_password
from konray_review.portal.i18n import LANG_COOKIE, LANGS
from konray_review.portal.login import check_password, hashing
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
async def healthz() -> PlainTextResponse:
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
    # throttle, argon2 and audit are blocking work: off the event loop (/healthz stays quick)
    outcome = await hashing(st.config.hash_threads, check_password, st, username, password, ip)
    if outcome.lock is not None:
        return _login_page(request, next_url=next_url, error="login_locked", status_code=429,
                           minutes=max(1, -(-outcome.lock.seconds_left // 60)))
    user = outcome.user
    if user is None:
        return _login_page(request, next_url=next_url, error="login_failed", status_code=401)
    await run_in_threadpool(audit.record, st.engine, "login", username=user.username,
                            role=user.role, ip=ip)
    cookie, _sess = await run_in_threadpool(st.sessions.create, user.id)
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
        await run_in_threadpool(st.sessions.destroy, sess.token_hash)
    await run_in_threadpool(audit.record, st.engine, "logout", username=user.username,
                            role=user.role, ip=client_ip(request))
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
    ip = client_ip(request)
    outcome = await hashing(
        st.config.hash_threads, check_password, st, user.username, str(form.get("current", "")),
        ip, failed_action="password_change_failed", locked_action="password_change_locked")
    if outcome.lock is not None:
        return render(request, "password.html", status_code=429, user=user,
                      error="login_locked",
                      error_fmt={"minutes": max(1, -(-outcome.lock.seconds_left // 60))})
    if outcome.user is None:
        return render(request, "password.html", status_code=400, user=user,
                      error="wrong_password")
    try:
        await hashing(st.config.hash_threads, set_password, st.engine, user.username,
                      str(form.get("new", "")))
    except AccountError as exc:
        return render(request, "password.html", status_code=400, user=user, error_text=str(exc))
    await run_in_threadpool(audit.record, st.engine, "password_change", username=user.username,
                            role=user.role, ip=ip)
    # every session ended with the change: log in again with the new password
    response = RedirectResponse(f"/login?next={quote('/years', safe='')}", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
