"""A hardened HTTP session: a timeout on every call and bounded retries with back-off.

Why our own loop rather than urllib3's ``Retry``: a page that arrives cut short (a reset
connection, a truncated body, half a JSON document) is only detected when the body is read
and parsed, which urllib3 cannot retry. One loop here retries connection errors, timeouts,
truncated bodies and 429/5xx answers, with exponential back-off and a hard attempt limit, and
turns every failure into a :class:`ServerError` that carries the server's error code (Central
sends ``{"message", "code": 409.3}``) but never the request's credentials.

This is the ONE retry layer of the project (the Prefect tasks do not retry on top of it):
besides the per-request attempt limit, a *stage* (a pull, a write-back, a deploy) opened with
:func:`retry_scope` has a total retry budget in seconds (``HttpSettings.stage_budget``): the
time spent in failed attempts and back-off waits of the whole stage never exceeds it, and
every retry is reported to the scope's ``on_retry`` callback (the run log).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

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
    413: "yêu cầu hoặc tệp quá lớn so với giới hạn của máy chủ (request too large for the "
         "server or its proxy)",
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
        tail = " ".join(t for t in (hint, message) if t)
        super().__init__(f"{where}: {what}{code_txt} sau {attempts} lần thử "
                         f"(after {attempts} attempts). {tail}".strip())

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

    def send(self, request: requests.PreparedRequest,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        # the base signature spells out every keyword; this adapter passes them all through
        # and only fills in a missing timeout
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


@dataclass(frozen=True)
class RetryEvent:
    """One retry: what failed, and how long the stage waits before the next attempt."""

    stage: str
    method: str
    path: str
    attempt: int  # the attempt that failed (1 = the first)
    reason: str
    wait: float

    def text(self) -> str:
        return (f"{self.method} {self.path}: {self.reason}; thử lại lần {self.attempt + 1} "
                f"sau {self.wait:.1f} s (retry {self.attempt + 1} in {self.wait:.1f} s)")


@dataclass
class RetryScope:
    """The retry budget of one stage, shared by every request the stage makes."""

    stage: str
    budget: float
    on_retry: Callable[[RetryEvent], None] | None = None
    clock: Callable[[], float] = time.monotonic
    spent: float = 0.0
    events: list[RetryEvent] = field(default_factory=list)

    def allows(self, failed_for: float, wait: float) -> bool:
        """Count a failed attempt's time; True if waiting ``wait`` more stays in budget."""
        self.spent += max(0.0, failed_for)
        return self.spent + wait <= self.budget

    def record(self, event: RetryEvent) -> None:
        self.spent += event.wait
        self.events.append(event)
        log.info("%s: %s", event.stage, event.text())
        if self.on_retry is not None:
            self.on_retry(event)


_SCOPE: ContextVar[RetryScope | None] = ContextVar("konray_retry_scope", default=None)


@contextmanager
def retry_scope(stage: str, budget: float | None = None,
                on_retry: Callable[[RetryEvent], None] | None = None,
                clock: Callable[[], float] = time.monotonic) -> Iterator[RetryScope]:
    """Every request sent inside shares one retry budget (seconds) and reports its retries."""
    scope = RetryScope(stage, HttpSettings().stage_budget if budget is None else budget,
                       on_retry, clock)
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


def _reason(exc: Exception | None) -> str:
    if isinstance(exc, ServerError):
        return f"HTTP {exc.status}" if exc.status else "không kết nối được (connection failed)"
    if isinstance(exc, ValueError):
        return "nội dung bị cắt ngắn (truncated body)"
    return type(exc).__name__


def send(session: requests.Session, method: str, url: str, *, settings: HttpSettings,
         idempotent: bool = True, parse_json: bool = True,
         sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> Any:
    """One call with retries. Returns the parsed JSON (or the response when not parsing).

    Retries stop at ``settings.retries`` extra attempts or when the current stage's retry
    budget (:func:`retry_scope`; a lone call gets ``settings.stage_budget``) is spent."""
    scope = _SCOPE.get() or RetryScope("", settings.stage_budget)
    attempts = 1 + max(0, settings.retries)
    url_shown = urljoin(getattr(session, "base_url", "") or "", url)  # pyodk: relative paths
    path = urlsplit(url_shown).path
    last: Exception | None = None
    out_of_budget = False
    for attempt in range(1, attempts + 1):
        resp = None
        started = scope.clock()
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
                raise ServerError(method, url_shown, None, None, type(exc).__name__,
                                  attempt) from None
            last = exc
        except ValueError as exc:  # a body that is not complete JSON: a page cut short
            if not idempotent:  # the write happened (2xx); repeating it could double it
                return None
            last = exc
        if attempt == attempts:
            break
        wait = _delay(settings, attempt, resp)
        if not scope.allows(scope.clock() - started, wait):
            out_of_budget = True
            break
        scope.record(RetryEvent(scope.stage, method, path, attempt, _reason(last), wait))
        sleep(wait)
    done = attempt
    note = (f" Hết thời gian thử lại ({scope.budget:.0f} s) của bước {scope.stage or 'này'} "
            f"(retry budget of the stage spent)." if out_of_budget else "")
    if isinstance(last, ServerError):
        raise ServerError(method, url_shown, last.status, last.code,
                          (last.server_message + note).strip(), done)
    raise ServerError(method, url_shown, None, None, f"{type(last).__name__}{note}", done)


def _read_fully(resp: requests.Response) -> requests.Response:
    """Force the whole body to be read inside the retry loop (so truncation is retried)."""
    _ = resp.content
    return resp
