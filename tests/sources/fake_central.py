"""A small in-memory ODK Central on 127.0.0.1 for tests, with seeded fault injection.

It answers with the response shapes recorded in shared/spec/odk-kobo-api.md: OData paging
through ``@odata.nextLink`` / ``$skiptoken``, ``@odata.count``, ``__system`` metadata,
``$filter`` on ``__system/*`` (anything else -> 501), deleted submissions only when the
filter names ``deletedAt``, ``reviewState`` PATCH (``received`` -> 400.8), comments, the
form draft / attachment / publish flow and entity lists. ``FaultPlan`` makes seeded requests
fail: 500/502/503, a read timeout, a reset connection, a body cut short, or a page that
silently lacks rows.
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
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

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


def _error(code: float, message: str) -> tuple[int, dict[str, Any]]:
    return int(code), {"message": message, "code": code}


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
        self.forms: dict[str, dict[str, Any]] = {}
        self.datasets: dict[str, dict[str, Any]] = {}
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
                return _error(401.2, "Could not authenticate with the provided credentials.")
            return 200, {"token": self.token, "createdAt": "2026-11-29T00:00:00.000Z",
                         "expiresAt": "2026-11-30T00:00:00.000Z"}
        if headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401.2, "Could not authenticate with the provided credentials.")
        base = f"/v1/projects/{self.project_id}"
        if not path.startswith(base):
            return _error(404.1, "Could not find the resource you were looking for.")
        rest = path[len(base):]
        with self.lock:
            if rest == f"/forms/{self.form_id}.svc/Submissions":
                return self.odata(query, short)
            m = re.fullmatch(rf"/forms/{re.escape(self.form_id)}/submissions/([^/]+)(/comments)?",
                             rest)
            if m:
                return self.review(method, m.group(1), bool(m.group(2)), body)
            if rest.startswith("/forms") or rest.startswith("/datasets"):
                return self.deploy_route(method, rest, query, body, headers)
        return _error(404.1, "Could not find the resource you were looking for.")

    # --- OData ----------------------------------------------------------------------------------
    def odata(self, query: dict[str, list[str]], short: bool) -> tuple[int, Any]:
        flt = query.get("$filter", [""])[0]
        try:
            rows = [r for r in self.rows.values() if _matches(r, flt)]
        except ValueError as exc:
            return _error(501.1, str(exc))
        if "deletedAt" not in flt:
            rows = [r for r in rows if not r["__system"]["deletedAt"]]
        rows.sort(key=lambda r: (r["__system"]["submissionDate"], r["__id"]), reverse=True)
        skip = 0
        if "$skiptoken" in query:
            skip = json.loads(base64.b64decode(query["$skiptoken"][0][2:]))["o"]
        top = int(query.get("$top", [len(rows) or 1])[0])
        page = copy.deepcopy(rows[skip: skip + top])
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
            return _error(404.1, "Could not find the resource you were looking for.")
        data = json.loads(body or b"{}")
        if comment:
            self.comments.setdefault(iid, []).append(data["body"])
            return 200, {"body": data["body"], "actorId": 5, "createdAt": "2026-11-29T00:00Z"}
        state = data.get("reviewState")
        if state not in ("hasIssues", "edited", "approved", "rejected", None):
            return _error(400.8, f"Unexpected reviewState value {state}; "
                                 "this is not a recognized state name.")
        self.rows[iid]["__system"]["reviewState"] = state
        return 200, {"instanceId": iid, "reviewState": state}

    # --- forms, drafts, attachments, entity lists -----------------------------------------------
    def deploy_route(self, method: str, rest: str, query: dict[str, list[str]], body: bytes,
                     headers: Any) -> tuple[int, Any]:
        if rest.startswith("/datasets"):
            return self.dataset_route(method, rest, body)
        if rest == "/forms" and method == "POST":
            fid = unquote(headers.get("X-XlsForm-FormId-Fallback", ""))
            if fid in self.forms:
                return _error(409.3, "A resource already exists with id " + fid)
            self.forms[fid] = {"published": None, "draft": {"size": len(body), "slots": {
                "villages.csv": None, "households.csv": None}}, "version": "1"}
            return 200, self._form_json(fid)
        m = re.fullmatch(r"/forms/([^/]+?)(/draft(/attachments(/[^/]+)?|/publish)?)?", rest)
        if not m or (m.group(1) not in self.forms and rest.startswith("/forms/")
                     and not rest.startswith("/datasets")):
            return _error(404.1, "Could not find the resource you were looking for.")
        fid, form = m.group(1), self.forms[m.group(1)]
        tail = m.group(2) or ""
        if tail == "" and method == "GET":
            return (200, self._form_json(fid)) if form["published"] else _error(
                404.1, "Could not find the resource you were looking for.")
        if tail == "/draft" and method == "POST":
            form["draft"] = {"size": len(body), "slots": {"villages.csv": None,
                                                          "households.csv": None}}
            return 200, {"success": True}
        draft = form.get("draft")
        if draft is None:
            return _error(404.1, "Could not find the resource you were looking for.")
        if tail == "/draft/attachments" and method == "GET":
            return 200, [{"name": n, "type": "file", "exists": v is not None,
                          "blobExists": isinstance(v, bytes), "datasetExists": v == "dataset"}
                         for n, v in draft["slots"].items()]
        if tail.startswith("/draft/attachments/"):
            name = tail.rsplit("/", 1)[-1]
            if name not in draft["slots"]:
                return _error(404.1, "Could not find the resource you were looking for.")
            draft["slots"][name] = "dataset" if method == "PATCH" else body
            return 200, {"success": True}
        if tail == "/draft/publish" and method == "POST":
            form["version"] = str(int(form["version"]) + (1 if form["published"] else 0))
            form["published"], form["draft"] = draft, None
            return 200, {"success": True}
        return _error(404.1, "Could not find the resource you were looking for.")

    def dataset_route(self, method: str, rest: str, body: bytes) -> tuple[int, Any]:
        data = json.loads(body or b"{}")
        if rest == "/datasets" and method == "POST":
            if data["name"] in self.datasets:
                return _error(409.3, "A resource already exists with name " + data["name"])
            self.datasets[data["name"]] = {"properties": [], "entities": {}}
            return 200, {"name": data["name"], "projectId": self.project_id}
        m = re.fullmatch(r"/datasets/([^/.]+)(\.svc/Entities|/properties|/entities(/[^/]+)?)?",
                         rest)
        if not m or m.group(1) not in self.datasets:
            return _error(404.1, "Could not find the resource you were looking for.")
        ds, tail = self.datasets[m.group(1)], m.group(2) or ""
        if tail == "" and method == "GET":
            return 200, {"name": m.group(1), "properties": [{"name": p} for p in
                                                           ds["properties"]]}
        if tail == ".svc/Entities":
            return 200, {"value": [{"__id": k, "label": e["label"], **e["data"],
                                    "__system": {"version": e["version"]}}
                                   for k, e in ds["entities"].items()]}
        if tail == "/properties" and method == "POST":
            ds["properties"].append(data["name"])
            return 200, {"success": True}
        if tail == "/entities" and method == "POST":
            for ent in data["entities"]:
                unknown = set(ent.get("data", {})) - set(ds["properties"])
                if unknown:
                    return _error(400.28, f"properties not in list: {sorted(unknown)}")
                key = ent.get("uuid") or f"e{len(ds['entities']) + 1:05d}"
                ds["entities"][key] = {"label": ent["label"], "data": ent["data"], "version": 1}
            return 200, {"success": True}
        key = (m.group(3) or "/")[1:]
        if key not in ds["entities"]:
            return _error(404.1, "Could not find the resource you were looking for.")
        if method == "PATCH":
            ent = ds["entities"][key]
            ent["data"].update(data.get("data") or {})
            ent["label"] = data.get("label") or ent["label"]
            ent["version"] += 1
            return 200, {"uuid": key}
        if method == "DELETE":
            del ds["entities"][key]
            return 200, {"success": True}
        return _error(404.1, "Could not find the resource you were looking for.")

    def _form_json(self, fid: str) -> dict[str, Any]:
        return {"projectId": self.project_id, "xmlFormId": fid, "state": "open",
                "version": self.forms[fid]["version"], "enketoId": "abc123", "name": fid,
                "publishedAt": None, "hash": "0" * 32}


_CLAUSE = re.compile(r"(__system/\w+|__id) (ge|gt|le|lt|eq|ne) (null|\S+)")


def _matches(row: dict[str, Any], flt: str) -> bool:
    """The subset of Central's $filter we use: clauses joined by ``and`` / ``or``."""
    if not flt:
        return True
    return any(all(_clause(row, c) for c in part.split(" and ")) for part in flt.split(" or "))


def _clause(row: dict[str, Any], text: str) -> bool:
    m = _CLAUSE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"The given OData filter expression is not supported: {text}")
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
