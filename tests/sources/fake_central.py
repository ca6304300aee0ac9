"""A small in-memory ODK Central on 127.0.0.1 for tests, with seeded fault injection.

What a replay cannot do is fail at random points: this fake exists for that (``FaultPlan``:
500/502/503, a read timeout, a reset connection, a body cut short, a page that silently lacks
rows) and for many pulls over changing data. It speaks what the recordings of a real Central
(v2026.2.2, ``fixtures/central/``) show, and ``test_central_server.py`` checks that it still
does: OData pages with ``@odata.context``, an absolute ``@odata.nextLink`` (``$skiptoken``),
``@odata.count`` on every page, ``__system`` with every recorded key, the
``members@odata.navigationLink`` annotation next to the inline roster, ``$filter`` only on
``__system/*`` (else 501.5), deleted submissions only when the filter names ``deletedAt``,
the review-state PATCH answer (``received`` -> 400.8; the PATCH moves ``updatedAt``),
comments (POST and GET) and the recorded error bodies. Deploying is replayed from the
recording instead (``test_central_replay_deploy.py``).
"""

from __future__ import annotations

import base64
import copy
import json
import random
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

FAULTS = ("500", "502", "503", "timeout", "reset", "truncate", "short_page")


@dataclass
class FaultPlan:
    seed: int
    rate: float = 0.3
    kinds: tuple[str, ...] = FAULTS
    stall: float = 0.4  # seconds a "timeout" answer waits (longer than the client's timeout)
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()
        self.queue: list[str] = []

    def draw(self) -> str | None:
        """At seeded random requests, the next kind of a seeded shuffle of all kinds."""
        with self.lock:
            if self.rng.random() >= self.rate:
                return None
            if not self.queue:
                self.queue = self.rng.sample(self.kinds, len(self.kinds))
            fault = self.queue.pop()
            self.log.append(fault)
            return fault


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # injected resets / client timeouts break pipes on purpose


def _error(code: float, message: str, **details: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"message": message, "code": code}
    if details:
        body["details"] = details
    return int(code), body


NOT_FOUND = (404.1, "Could not find the resource you were looking for.")
NO_AUTH = (401.2, "Could not authenticate with the provided credentials.")
NAV_LINK = "members@odata.navigationLink"


class FakeCentral:
    def __init__(self, records: list[dict[str, Any]] | None = None, *, project_id: int = 1,
                 form_id: str = "phieu_b_2023", token: str = "t" * 64,
                 password: str = "secret-pw") -> None:
        self.project_id, self.form_id, self.token, self.password = (project_id, form_id, token,
                                                                    password)
        self.rows: dict[str, dict[str, Any]] = {}
        self.lock = threading.RLock()
        self.faults: FaultPlan | None = None
        self.requests: list[tuple[str, str]] = []
        self.comments: dict[str, list[str]] = {}
        self.clock = 0  # review-state changes get distinct, increasing updatedAt stamps
        for rec in records or []:
            self.add(rec)
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeCentral:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- data changes (what enumerators and managers do) ---------------------------------------
    def add(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.rows[record["__id"]] = copy.deepcopy(record)

    def edit(self, instance_id: str, at: str, changes: dict[str, dict[str, Any]]) -> str:
        """An edit: new meta/instanceID, edits + 1, updatedAt; ``__id`` stays the original."""
        with self.lock:
            row = self.rows[instance_id]
            for group, values in changes.items():
                row[group].update(values)
            n = row["__system"]["edits"] + 1
            new_id = f"{instance_id}-edit{n}"
            row["meta"]["instanceID"] = new_id
            row["__system"].update(edits=n, updatedAt=at, reviewState="edited")
            return new_id

    def delete(self, instance_id: str, at: str) -> None:
        with self.lock:
            self.rows[instance_id]["__system"]["deletedAt"] = at

    def live(self) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.rows.items() if not v["__system"]["deletedAt"]}

    # --- request handling ---------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()  # no Nagle: headers and body leave at once (no 40 ms stalls)
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _body(self) -> bytes:
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _dispatch(self, method: str) -> None:
                body = self._body()
                parts = urlsplit(self.path)
                fake.requests.append((method, parts.path))
                fault = fake.faults.draw() if fake.faults and method == "GET" else None
                if fault in ("500", "502", "503"):
                    return self._send(int(fault), {"message": "upstream", "code": int(fault)})
                if fault == "timeout":
                    time.sleep(fake.faults.stall)
                    return self._send(503, {"message": "late", "code": 503})
                if fault == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                    return None
                status, payload = fake.route(method, parts.path, parse_qs(parts.query), body,
                                             self.headers, short=fault == "short_page")
                if fault == "truncate":
                    return self._send(status, payload, truncate=True)
                return self._send(status, payload)

            def _send(self, status: int, payload: Any, truncate: bool = False) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if truncate:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

            def do_PATCH(self) -> None:
                self._dispatch("PATCH")

            def do_DELETE(self) -> None:
                self._dispatch("DELETE")

        return Handler

    def route(self, method: str, path: str, query: dict[str, list[str]], body: bytes,
              headers: Any, short: bool = False) -> tuple[int, Any]:
        path = unquote(path)
        if path == "/v1/sessions" and method == "POST":
            creds = json.loads(body or b"{}")
            if creds.get("password") != self.password:
                return _error(*NO_AUTH)
            return 200, {"token": self.token, "csrf": "c" * 64,
                         "expiresAt": "2026-11-30T00:00:00.000Z",
                         "createdAt": "2026-11-29T00:00:00.000Z"}
        if headers.get("Authorization") != f"Bearer {self.token}":
            return _error(*NO_AUTH)
        base = f"/v1/projects/{self.project_id}"
        if not path.startswith(base):
            return _error(*NOT_FOUND)
        rest = path[len(base):]
        with self.lock:
            if rest == f"/forms/{self.form_id}.svc/Submissions":
                return self.odata(query, short)
            m = re.fullmatch(rf"/forms/{re.escape(self.form_id)}/submissions/([^/]+)(/comments)?",
                             rest)
            if m:
                return self.review(method, m.group(1), bool(m.group(2)), body)
        return _error(*NOT_FOUND)

    # --- OData ----------------------------------------------------------------------------------
    def odata(self, query: dict[str, list[str]], short: bool) -> tuple[int, Any]:
        flt = query.get("$filter", [""])[0]
        try:
            rows = [r for r in self.rows.values() if _matches(r, flt)]
        except ValueError as exc:
            field = str(exc)
            return _error(501.5, "The given OData filter expression references fields not "
                          f"supported by this server: {field} at 0", at=0, text=field)
        if "deletedAt" not in flt:
            rows = [r for r in rows if not r["__system"]["deletedAt"]]
        rows.sort(key=lambda r: (r["__system"]["submissionDate"], r["__id"]), reverse=True)
        skip = 0
        if "$skiptoken" in query:
            skip = json.loads(base64.b64decode(query["$skiptoken"][0][2:]))["o"]
        top = int(query.get("$top", [len(rows) or 1])[0])
        page = [_annotated(r) for r in rows[skip: skip + top]]
        out: dict[str, Any] = {"@odata.context": f"{self.url}/v1/projects/{self.project_id}"
                               f"/forms/{self.form_id}.svc/$metadata#Submissions",
                               "value": page[:-1] if short and page else page}
        if query.get("$count", [""])[0] == "true":
            out["@odata.count"] = len(rows)
        if skip + top < len(rows):
            token = "01" + base64.b64encode(json.dumps({"o": skip + top}).encode()).decode()
            params = {k: v[0] for k, v in query.items() if k != "$skiptoken"}
            params["$skiptoken"] = token
            out["@odata.nextLink"] = (f"{self.url}/v1/projects/{self.project_id}/forms/"
                                      f"{self.form_id}.svc/Submissions?{urlencode(params)}")
        return 200, out

    # --- review write-back ----------------------------------------------------------------------
    def review(self, method: str, iid: str, comment: bool, body: bytes) -> tuple[int, Any]:
        if iid not in self.rows:
            return _error(*NOT_FOUND)
        if comment and method == "GET":
            return 200, [{"body": b, "actorId": 5, "createdAt": "2026-11-29T00:00:00.000Z"}
                         for b in self.comments.get(iid, [])]
        data = json.loads(body or b"{}")
        if comment:
            self.comments.setdefault(iid, []).append(data["body"])
            return 200, {"body": data["body"], "actorId": 5,
                         "createdAt": "2026-11-29T00:00:00.000Z"}
        state = data.get("reviewState")
        if state not in ("hasIssues", "edited", "approved", "rejected", None):
            return _error(400.8, f"Unexpected state value {state}; not a recognized state name",
                          field="state", value=state, reason="not a recognized state name")
        system = self.rows[iid]["__system"]
        self.clock += 1
        system["reviewState"] = state
        system["updatedAt"] = f"2099-01-01T00:00:{self.clock % 60:02d}.{self.clock:03d}Z"
        return 200, {"instanceId": iid, "submitterId": int(system.get("submitterId") or 5),
                     "deviceId": None, "createdAt": system["submissionDate"],
                     "updatedAt": system["updatedAt"], "reviewState": state, "deletedAt": None}


def _annotated(row: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``row`` as Central serves it: the roster's navigation link beside it."""
    out = copy.deepcopy(row)
    if "members" in out:
        members = out.pop("members")
        out[NAV_LINK] = f"Submissions('{quote(out['__id'], safe='')}')/members"
        out["members"] = members
    return out


_CLAUSE = re.compile(r"(__system/\w+|__id) (ge|gt|le|lt|eq|ne) (null|\S+)")


def _matches(row: dict[str, Any], flt: str) -> bool:
    """The subset of Central's $filter we use: clauses joined by ``and`` / ``or``."""
    if not flt:
        return True
    return any(all(_clause(row, c) for c in part.split(" and ")) for part in flt.split(" or "))


def _clause(row: dict[str, Any], text: str) -> bool:
    m = _CLAUSE.fullmatch(text.strip())
    if not m:
        raise ValueError(text.strip().split(" ")[0])  # the field Central would name
    name, op, value = m.groups()
    actual = row["__id"] if name == "__id" else row["__system"].get(name.split("/")[1])
    if value == "null":
        return (actual is None) == (op == "eq")
    if actual is None:
        return False
    a, b = _ts(actual), _ts(value)
    return {"ge": a >= b, "gt": a > b, "le": a <= b, "lt": a < b, "eq": a == b, "ne": a != b}[op]


def _ts(text: str) -> str:
    """ISO timestamps compare as text once normalised to millisecond precision."""
    return text.replace("Z", "")[:23].ljust(23, "0")


# --- what Central does with a submission XML: the OData row ------------------------------------
def xform_types(xform: bytes) -> dict[str, str]:
    """``{"/data/household/household_no": "int", ...}`` from the XForm's binds."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xform)
    return {b.get("nodeset"): b.get("type", "string") for b in root.iter()
            if b.tag.endswith("bind") and b.get("nodeset")}


def odata_row(xml: bytes, types: dict[str, str], submitted: str, submitter: str = "dtv_1"
              ) -> dict[str, Any]:
    """A submission as Central's OData returns it with ``$expand=*``: groups as objects,
    repeats as arrays, int/decimal as JSON numbers, empty as null, __id and __system."""
    import xml.etree.ElementTree as ET

    def value(el: ET.Element, path: str) -> Any:
        kind = types.get(path, "string")
        if not el.text:
            return None
        if kind == "int":
            return int(el.text)
        if kind == "decimal":
            return float(el.text)
        return el.text

    def node(el: ET.Element, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in el:
            child_path = f"{path}/{child.tag}"
            if child.tag == "members":
                out.setdefault("members", []).append(node(child, child_path))
            elif len(child):
                out[child.tag] = node(child, child_path)
            else:
                out[child.tag] = value(child, child_path)
        return out

    root = ET.fromstring(xml)
    body = node(root, f"/{root.tag}")
    iid = body["meta"]["instanceID"]
    return {"__id": iid, **body, "__system": {
        "submissionDate": submitted, "updatedAt": None, "deletedAt": None,
        "submitterId": "7", "submitterName": submitter, "attachmentsPresent": 0,
        "attachmentsExpected": 0, "status": None, "reviewState": None, "deviceId": None,
        "edits": 0, "formVersion": root.get("version")}}
