"""A hardened HTTP session: a timeout on every call and bounded retries with back-off.

Why our own loop rather than urllib3's ``Retry``: a page that arrives cut short (a reset
connection, a truncated body, half a JSON document) is only detected when the body is read
and parsed, which urllib3 cannot retry. One loop here retries connection errors, timeouts,
truncated bodies and 429/5xx answers, with exponential back-off and a hard attempt limit, and
turns every failure into a :class:`ServerError` that carries the server's error code (Central
sends ``{"message", "code": 409.3}``) but never the request's credentials.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from konray_review.sources.config import HttpSettings

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_TRANSIENT = (
    requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
#: failures after which a non-idempotent request (POST) was certainly not processed
_NOT_SENT = (requests.exceptions.ConnectTimeout,)

_HINTS = {
    401: "sai tài khoản hoặc mật khẩu/token (wrong credentials or expired token)",
    403: "tài khoản không có quyền với dự án/biểu mẫu này (account lacks permission)",
    404: "không tìm thấy dự án, biểu mẫu hoặc bản ghi (project, form or record not found)",
    409: "đã tồn tại hoặc xung đột phiên bản (already exists or version conflict)",
}


class SourceError(RuntimeError):
    """A source could not deliver; the message is safe to show (no secrets, no PII)."""


class ServerError(SourceError):
    """An HTTP failure, with the status and the server's own error code when it sent one."""

    def __init__(self, method: str, url: str, status: int | None, code: Any = None,
                 message: str = "", attempts: int = 1) -> None:
        self.method, self.path, self.status = method, urlsplit(url).path, status
        self.code, self.server_message, self.attempts = code, message, attempts
        hint = _HINTS.get(status or 0, "")
        where = f"{method} {self.path}"
        what = f"HTTP {status}" if status else "không kết nối được (connection failed)"
        code_txt = f" code {code}" if code is not None else ""
        super().__init__(f"{where}: {what}{code_txt} sau {attempts} lần thử "
                         f"(after {attempts} attempts). {hint} {message}".strip())

    def is_code(self, code: float) -> bool:
        """True when the server's error code (e.g. Central 409.3) is ``code``."""
        try:
            return abs(float(self.code) - code) < 1e-9
        except (TypeError, ValueError):
            return False


class _TimeoutAdapter(HTTPAdapter):
    """Applies a default (connect, read) timeout to any request that did not set one."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__(max_retries=0)
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def harden(session: requests.Session, settings: HttpSettings) -> requests.Session:
    """Mount the timeout adapter for both schemes (pyodk mounts one for https only)."""
    adapter = _TimeoutAdapter((settings.connect_timeout, settings.read_timeout))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def new_session(settings: HttpSettings, headers: dict[str, str] | None = None) -> requests.Session:
    session = harden(requests.Session(), settings)
    session.headers.update({"User-Agent": "konray-review", **(headers or {})})
    return session


def _error_body(resp: requests.Response) -> tuple[Any, str]:
    try:
        body = resp.json()
    except ValueError:
        return None, ""
    if isinstance(body, dict):
        msg = body.get("message") or body.get("detail") or body.get("error") or ""
        return body.get("code"), str(msg)[:300]
    return None, ""


def _delay(settings: HttpSettings, attempt: int, resp: requests.Response | None) -> float:
    retry_after = resp.headers.get("Retry-After") if resp is not None else None
    if retry_after and retry_after.isdigit():
        return min(float(retry_after), settings.backoff_max)
    return min(settings.backoff * (2 ** (attempt - 1)), settings.backoff_max)


def send(session: requests.Session, method: str, url: str, *, settings: HttpSettings,
         idempotent: bool = True, parse_json: bool = True,
         sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> Any:
    """One call with retries. Returns the parsed JSON (or the response when not parsing)."""
    attempts = 1 + max(0, settings.retries)
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        resp = None
        try:
            resp = session.request(method, url, **kwargs)
            if resp.status_code in RETRY_STATUS and (idempotent or resp.status_code in {429, 503}):
                code, msg = _error_body(resp)
                last = ServerError(method, resp.url or url, resp.status_code, code, msg, attempt)
            elif resp.status_code >= 400:
                code, msg = _error_body(resp)
                raise ServerError(method, resp.url or url, resp.status_code, code, msg, attempt)
            else:
                return resp.json() if parse_json else _read_fully(resp)
        except ServerError:
            raise
        except _TRANSIENT as exc:
            if not idempotent and not isinstance(exc, _NOT_SENT):
                raise ServerError(method, url, None, None, type(exc).__name__, attempt) from None
            last = exc
        except ValueError as exc:  # a body that is not complete JSON: a page cut short
            if not idempotent:  # the write happened (2xx); repeating it could double it
                return None
            last = exc
        log.debug("retrying %s %s (attempt %d): %s", method, urlsplit(url).path, attempt,
                  type(last).__name__)
        if attempt < attempts:
            sleep(_delay(settings, attempt, resp))
    if isinstance(last, ServerError):
        last.attempts = attempts
        raise ServerError(method, url, last.status, last.code, last.server_message, attempts)
    raise ServerError(method, url, None, None, type(last).__name__, attempts)


def _read_fully(resp: requests.Response) -> requests.Response:
    """Force the whole body to be read inside the retry loop (so truncation is retried)."""
    _ = resp.content
    return resp
