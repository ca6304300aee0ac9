"""Record HTTP exchanges with a real server, and replay them offline with ``responses``.

Recording (a dev tool, ``tests/sources/record_central.py``): :class:`Recorder` wraps the
transport adapters of a ``requests`` session, so every request the code under test makes
(our ``CentralSource``, pyodk inside it) and every answer of the server is written down as
it happened, including failures (a refused connection is recorded as such). Secrets are
scrubbed on the way: the ``Authorization`` header is never stored, the password of a login
becomes ``<password>`` and session tokens become ``<token>`` / ``<csrf>``. Binary uploads (XLSX) are
kept as their size and SHA-256 only.

Replaying (the tests): :func:`replay` registers the exchanges of a cassette with a
``responses.RequestsMock`` in the order they were recorded. A request matches an exchange
by method, URL and query string (and, for review-state PATCHes, by JSON body); when several
exchanges match, the earliest unused one answers, so the same URL answers as the server
did at each point in time. Tests then assert on ``rsps.calls``: what our code sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import responses
from requests.adapters import BaseAdapter

CASSETTES = Path(__file__).parent / "fixtures" / "central"
_KEEP_RESPONSE_HEADERS = ("Content-Type", "ETag", "Retry-After", "Content-Disposition")
_TEXT_LIMIT = 300_000
_REQUEST_LIMIT = 20_000  # a request body larger than this is kept as its size and hash


def _body(raw: bytes | None, ctype: str, limit: int = _TEXT_LIMIT) -> dict[str, Any]:
    if not raw:
        return {}
    if len(raw) > limit:
        return {"blob": {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}}
    if "json" in ctype:
        with contextlib.suppress(ValueError):
            return {"json": json.loads(raw)}
    if any(t in ctype for t in ("xml", "csv", "text")) and len(raw) <= _TEXT_LIMIT:
        with contextlib.suppress(UnicodeDecodeError):
            return {"text": raw.decode("utf-8")}
    return {"blob": {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}}


def _scrub(entry: dict[str, Any]) -> dict[str, Any]:
    req, resp = entry["request"], entry.get("response") or {}
    if req["path"].endswith("/v1/sessions") and isinstance(req.get("json"), dict):
        req["json"] = {**req["json"], "password": "<password>"}
    if isinstance(req.get("json"), dict) and "password" in req["json"]:
        req["json"] = {**req["json"], "password": "<password>"}
    if isinstance(resp.get("json"), dict):
        for secret in ("token", "csrf"):
            if secret in resp["json"]:
                resp["json"] = {**resp["json"], secret: f"<{secret}>"}
    return entry


class _RecordingAdapter(BaseAdapter):
    def __init__(self, inner: BaseAdapter, recorder: Recorder) -> None:
        super().__init__()
        self.inner, self.recorder = inner, recorder

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.recorder.before(request)
        try:
            resp = self.inner.send(request, **kwargs)
            _ = resp.content  # read it all (a body cut short is an error, recorded as such)
        except requests.RequestException as exc:
            self.recorder.add(request, None, type(exc).__name__)
            raise
        self.recorder.add(request, resp, None)
        return resp

    def close(self) -> None:
        self.inner.close()


class Recorder:
    """Collects exchanges of one or more sessions into one cassette."""

    def __init__(self, meta: dict[str, Any]) -> None:
        self.meta = {**meta, "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}
        self.exchanges: list[dict[str, Any]] = []
        self.step, self.actor = "", "client"
        self.hooks: list[Callable[[dict[str, Any]], None]] = []
        self.before_hooks: list[Callable[[requests.PreparedRequest], None]] = []

    def attach(self, session: requests.Session) -> requests.Session:
        for prefix, adapter in list(session.adapters.items()):
            if not isinstance(adapter, _RecordingAdapter):
                session.mount(prefix, _RecordingAdapter(adapter, self))
        return session

    @contextlib.contextmanager
    def at(self, step: str, actor: str = "client") -> Iterator[None]:
        """Label the exchanges made inside: scenario step and who made them (``client``:
        the code under test; ``setup``: the recorder preparing the server)."""
        saved = self.step, self.actor
        self.step, self.actor = step, actor
        try:
            yield
        finally:
            self.step, self.actor = saved

    def before(self, request: requests.PreparedRequest) -> None:
        for hook in self.before_hooks:
            hook(request)

    def add(self, request: requests.PreparedRequest, resp: requests.Response | None,
            error: str | None) -> None:
        parts = urlsplit(request.url or "")
        raw = request.body.encode() if isinstance(request.body, str) else request.body
        ctype = request.headers.get("Content-Type", "")
        req = {"method": request.method, "url": request.url, "path": parts.path,
               "query": dict(parse_qsl(parts.query, keep_blank_values=True)),
               "content_type": ctype, **_body(raw, ctype, _REQUEST_LIMIT)}
        entry: dict[str, Any] = {"n": len(self.exchanges) + 1, "step": self.step,
                                 "actor": self.actor, "request": req}
        if resp is None:
            entry["error"] = error
        else:
            rtype = resp.headers.get("Content-Type", "")
            entry["response"] = {
                "status": resp.status_code,
                "headers": {k: resp.headers[k] for k in _KEEP_RESPONSE_HEADERS
                            if k in resp.headers},
                **_body(resp.content, rtype)}
        entry = _scrub(entry)
        self.exchanges.append(entry)
        for hook in self.hooks:
            hook(entry)

    def save(self, path: Path) -> Path:
        """One exchange per line (readable diffs, a third of the size of indented JSON)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":"))
                 for e in self.exchanges]
        meta = json.dumps(self.meta, ensure_ascii=False, indent=1)
        path.write_text('{"meta": ' + meta + ',\n "exchanges": [\n' + ",\n".join(lines)
                        + "\n]}\n", encoding="utf-8")
        return path


# --- replay ---------------------------------------------------------------------------------
def load_cassette(name: str) -> dict[str, Any]:
    return json.loads((CASSETTES / f"{name}.json").read_text(encoding="utf-8"))


def exchanges(cassette: dict[str, Any], *, steps: tuple[str, ...] | None = None,
              actor: str | None = "client") -> list[dict[str, Any]]:
    return [e for e in cassette["exchanges"]
            if (steps is None or e["step"] in steps) and (actor is None or e["actor"] == actor)]


def response_body(entry: dict[str, Any]) -> bytes:
    resp = entry["response"]
    if "json" in resp:
        return json.dumps(resp["json"], ensure_ascii=False).encode()
    if "text" in resp:
        return resp["text"].encode()
    if "blob" in resp:
        raise ValueError(f"exchange {entry['n']}: a binary body was not kept")
    return b""


def _matchers(entry: dict[str, Any]) -> list[Any]:
    req = entry["request"]
    out: list[Any] = [responses.matchers.query_param_matcher(req["query"])]
    if req["method"] == "PATCH" and isinstance(req.get("json"), dict):
        out.append(responses.matchers.json_params_matcher(req["json"]))
    return out


def register(rsps: responses.RequestsMock, entries: list[dict[str, Any]]) -> None:
    """Add each exchange to ``rsps`` (recorded order; a refused connection raises again)."""
    for e in entries:
        url = e["request"]["url"].split("?", 1)[0]
        method = e["request"]["method"]
        if "error" in e:
            error = getattr(requests.exceptions, e["error"], requests.ConnectionError)
            rsps.add(method, url, body=error(f"recorded: {e['error']}"), match=_matchers(e))
            continue
        resp = e["response"]
        headers = {k: v for k, v in resp["headers"].items() if k != "Content-Type"}
        rsps.add(method, url, status=resp["status"], body=response_body(e), headers=headers,
                 content_type=resp["headers"].get("Content-Type", "application/json"),
                 match=_matchers(e))


@contextlib.contextmanager
def replay(name: str, *, steps: tuple[str, ...] | None = None,
           assert_all: bool = True) -> Iterator[responses.RequestsMock]:
    """Serve the client exchanges of cassette ``name`` (optionally only ``steps``)."""
    cassette = load_cassette(name)
    with responses.RequestsMock(assert_all_requests_are_fired=assert_all) as rsps:
        register(rsps, exchanges(cassette, steps=steps))
        yield rsps
