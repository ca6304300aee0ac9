"""Request helpers shared by the routes: the signed-in user, language, CSRF, rendering.

Kept apart from the routes so every page gets the same checks in the same order.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from konray_review.portal import csrf
from konray_review.portal.accounts import User, get_user
from konray_review.portal.downloads import grouped
from konray_review.portal.i18n import LANG_COOKIE, audit_action, normalise_lang, translate
from konray_review.portal.sessions import COOKIE_NAME, Session
from konray_review.profile import DEFAULT_TIMEZONE
from konray_review.schema import label


class LoginRequired(Exception):
    """Raised by ``require_user``; the app answers with a redirect to the login page."""


def state(request: Request) -> Any:
    return request.app.state.portal


def lang_of(request: Request) -> str:
    return normalise_lang(request.cookies.get(LANG_COOKIE))


def client_ip(request: Request) -> str:
    """The client address (already the real one when a trusted proxy's headers were applied)."""
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    return bool(state(request).config.https) or request.url.scheme == "https"


def session_of(request: Request) -> Session | None:
    cached: Session | bool | None = getattr(request.state, "krv_session", False)
    if not isinstance(cached, bool):
        return cached
    if cached is None:
        return None
    sess: Session | None = state(request).sessions.load(request.cookies.get(COOKIE_NAME))
    request.state.krv_session = sess
    return sess


def optional_user(request: Request) -> User | None:
    cached: User | bool | None = getattr(request.state, "krv_user", False)
    if not isinstance(cached, bool):
        return cached
    sess = session_of(request)
    user = get_user(state(request).engine, user_id=sess.user_id) if sess else None
    if user is not None and not user.active:
        user = None
    request.state.krv_user = user
    return user


def require_user(request: Request) -> User:
    user = optional_user(request)
    if user is None:
        raise LoginRequired()
    return user


def safe_next(target: str | None) -> str:
    """A local path to go to after login (never another site: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_redirect(request: Request) -> RedirectResponse:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(path, safe='')}", status_code=303)


async def check_csrf(request: Request) -> dict[str, Any]:
    """The submitted form, after checking its CSRF token against the session's (else 403)."""
    form = await request.form()
    sess = session_of(request)
    if sess is None or not csrf.matches(sess.csrf, str(form.get(csrf.FIELD, ""))):
        raise HTTPException(status_code=403, detail="csrf")
    return dict(form)


def set_cookie(request: Request, response: Response, name: str, value: str, *,
               max_age: int | None, http_only: bool = True) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=http_only, samesite="lax",
                        secure=is_https(request), path="/")


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> Response:
    """A page in the user's language, with the helpers every template uses."""
    lang = lang_of(request)
    user = context.pop("user", None) or optional_user(request)
    sess = session_of(request)
    ctx = {
        "user": user, "lang": lang,
        "t": partial(translate, lang=lang, total_label=state(request).profile.total_label(lang)),
        "audit_action": partial(audit_action, lang=lang),
        "label": partial(_label, lang=lang), "csrf_token": sess.csrf if sess else "",
        "current_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "pct": partial(pct, lang=lang), "num": partial(num, lang=lang), "group": grouped,
        "when": partial(local_time, tz=time_zone(state(request).profile)),
        **context,
    }
    templates = state(request).templates
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def _label(list_name: str, code: Any, lang: str = "vi") -> str:
    if code is None or (isinstance(code, float) and code != code):
        return ""
    try:
        return label(list_name, str(code), lang)
    except KeyError:
        return str(code)


def pct(value: Any, lang: str = "vi") -> str:
    """A share as a percentage, with the decimal comma in Vietnamese."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    text = f"{v * 100:.2f} %"
    return "" if v != v else (text.replace(".", ",") if lang == "vi" else text)


def num(value: Any, lang: str = "vi") -> str:
    """A whole number with the thousands separator of the language (1.234 / 1,234)."""
    try:
        text = f"{int(value):,}"
    except (TypeError, ValueError):
        return ""
    return text.replace(",", ".") if lang == "vi" else text


#: the profile's zone when the portal has no profile at hand (``Profile.timezone``'s default)
DEFAULT_TIME_ZONE = DEFAULT_TIMEZONE


def time_zone(profile: Any) -> str:
    return getattr(profile, "timezone", None) or DEFAULT_TIME_ZONE


def local_time(value: Any, tz: str = DEFAULT_TIME_ZONE, seconds: bool = False) -> str:
    """A stored time (naive UTC, or aware) in the profile's zone, with its offset shown.

    Why: the store keeps UTC; staff read "07:30", not "00:30", for a run at half past seven.
    """
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import pandas as pd

    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        return str(value)
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    local = value.astimezone(ZoneInfo(tz))
    offset = local.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    minutes = int(offset.total_seconds() % 3600 // 60) if offset is not None else 0
    zone = f"GMT{hours:+d}" + (f":{minutes:02d}" if minutes else "")
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + f" ({zone})"
