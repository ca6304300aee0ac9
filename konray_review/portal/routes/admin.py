"""Administration: accounts (add, disable, enable, set password) and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from konray_review.portal import audit, throttle
from konray_review.portal.access import require_admin
from konray_review.portal.accounts import (
    AccountError,
    add_user,
    list_users,
    set_active,
    set_password,
)
from konray_review.portal.web import check_csrf, client_ip, render, require_user, state

router = APIRouter(prefix="/admin")


def _page(request: Request, user, status_code: int = 200, **ctx) -> Response:
    st = state(request)
    return render(request, "users.html", status_code=status_code, user=user,
                  users=list_users(st.engine), units=st.profile.unit_names, **ctx)


@router.get("/users")
def users_page(request: Request) -> Response:
    user = require_user(request)
    require_admin(user)
    return _page(request, user, saved=request.query_params.get("saved") == "1")


@router.post("/users")
async def users_add(request: Request) -> Response:
    user = require_user(request)
    require_admin(user)
    await check_csrf(request)
    form = await request.form()
    st = state(request)
    username = str(form.get("username", "")).strip().lower()
    role = str(form.get("role", ""))
    communes = [str(c) for c in form.getlist("communes")] if role == "commune" else []
    unknown = [c for c in communes if st.profile.canonical_unit(c) is None]
    try:
        if unknown:
            raise AccountError(f"xã không có trong hồ sơ huyện / unknown commune: {unknown}")
        await run_in_threadpool(add_user, st.engine, username, str(form.get("password", "")),
                                role, [st.profile.canonical_unit(c) for c in communes])
    except AccountError as exc:
        return _page(request, user, status_code=400, error_text=str(exc))
    audit.record(st.engine, "user_add", username=user.username, role=user.role,
                 obj=username, ip=client_ip(request))
    return RedirectResponse("/admin/users?saved=1", status_code=303)


async def _account_action(request: Request, name: str, action: str) -> Response:
    user = require_user(request)
    require_admin(user)
    form = await check_csrf(request)
    st = state(request)
    try:
        if action == "user_passwd":
            await run_in_threadpool(set_password, st.engine, name,
                                    str(form.get("password", "")))
            await run_in_threadpool(throttle.unlock, st.engine, name)
        else:
            if action == "user_disable" and name == user.username:
                raise AccountError("không thể tự khoá tài khoản của mình "
                                   "(you cannot disable your own account)")
            set_active(st.engine, name, action == "user_enable")
    except AccountError as exc:
        return _page(request, user, status_code=400, error_text=str(exc))
    audit.record(st.engine, action, username=user.username, role=user.role, obj=name,
                 ip=client_ip(request))
    return RedirectResponse("/admin/users?saved=1", status_code=303)


@router.post("/users/{name}/disable")
async def users_disable(request: Request, name: str) -> Response:
    return await _account_action(request, name, "user_disable")


@router.post("/users/{name}/enable")
async def users_enable(request: Request, name: str) -> Response:
    return await _account_action(request, name, "user_enable")


@router.post("/users/{name}/password")
async def users_password(request: Request, name: str) -> Response:
    return await _account_action(request, name, "user_passwd")


@router.get("/audit")
def audit_page(request: Request, page: Annotated[int, Query(le=1_000_000)] = 1,
               action: str | None = None, who: str | None = None) -> Response:
    user = require_user(request)
    require_admin(user)
    size = 200
    page = max(page, 1)
    entries = audit.read(state(request).engine, limit=size, offset=(page - 1) * size,
                         action=action or None, username=who or None)
    return render(request, "audit.html", user=user, entries=entries, page=page,
                  actions=audit.ACTIONS, action=action or "", who=who or "",
                  more=len(entries) == size)
