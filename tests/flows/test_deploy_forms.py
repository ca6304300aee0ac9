"""The ``deploy_forms`` flow against a fake ODK Central HTTP layer (``responses``).

The fake keeps the state Central keeps (forms, drafts, attachments, published versions) and
answers with the bodies the Central API documents (``shared/spec/odk-kobo-api.md`` §
"Forms"): a form object on create and GET, ``{"success": true}`` on publish, 404.1 for an
unknown form. What is checked is what reaches the server: the XLSX the flow built for the
year (its form id and content version), the villages attachment made from the profile, a
publish per form; that a second run of the same build publishes nothing, and that a form
whose server copy differs is published again under a free version string.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import responses
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's flows/

BASE = "https://central.example.org"
PROJECT = 7
NOT_FOUND = {"message": "Could not find the resource you were looking for.", "code": 404.1}


class FakeCentral:
    """Forms of one project: create (as a draft), draft, attachments, publish, read."""

    def __init__(self) -> None:
        self.forms: dict[str, dict] = {}
        self.drafts: dict[str, dict] = {}
        self.log: list[tuple[str, str]] = []

    def _form(self, fid: str) -> dict:
        f = self.forms[fid]
        return {"projectId": PROJECT, "xmlFormId": fid, "name": f["name"], "state": "open",
                "version": f["version"], "enketoId": f"enk{len(fid)}", "hash": "0" * 32,
                "publishedAt": "2023-09-01T01:00:00.000Z", "webformsEnabled": False}

    @staticmethod
    def _settings(body: bytes) -> dict[str, str]:
        ws = load_workbook(io.BytesIO(body), read_only=True)["settings"]
        head, values = list(ws.iter_rows(values_only=True))[:2]
        return dict(zip(head, values, strict=False))

    @staticmethod
    def _attachments(held: dict) -> list[dict]:
        """The slots the built XForm declares (villages.csv), in Central's attachment shape
        (``shared/spec/odk-kobo-api.md`` §1.3): ``exists`` once a file was uploaded."""
        files = held.get("attachments", {})
        return [{"name": "villages.csv", "type": "file", "exists": "villages.csv" in files,
                 "blobExists": "villages.csv" in files, "datasetExists": False,
                 "hash": hashlib.md5(files["villages.csv"]).hexdigest()
                 if "villages.csv" in files else None,
                 "updatedAt": "2023-09-01T01:00:00.000Z"}]

    def handle(self, request):
        path = unquote(urlsplit(request.url).path)
        self.log.append((request.method, path))
        if path == "/v1/sessions":
            return 200, {}, json.dumps({"token": "t" * 64, "expiresAt": "2099-01-01T00:00:00Z",
                                        "createdAt": "2023-09-01T00:00:00Z"})
        m = re.fullmatch(rf"/v1/projects/{PROJECT}/forms(?:/([^/]+))?(/.*)?", path)
        if not m:
            return 404, {}, json.dumps(NOT_FOUND)
        fid, rest = m.group(1), m.group(2) or ""
        if fid is None and request.method == "POST":  # create: a draft until published
            s = self._settings(request.body)
            self.drafts[s["form_id"]] = {"version": s["version"], "name": s["form_title"],
                                         "xlsx": request.body, "attachments": {}}
            self.forms.setdefault(s["form_id"], {"version": None, "name": s["form_title"]})
            return 200, {}, json.dumps(self._form(s["form_id"]))
        if fid not in self.forms:
            return 404, {}, json.dumps(NOT_FOUND)
        if request.method == "GET" and rest == "":
            return 200, {}, json.dumps(self._form(fid))
        if request.method == "GET" and rest in ("/attachments", "/draft/attachments"):
            held = self.drafts[fid] if rest.startswith("/draft") else self.forms[fid]
            return 200, {}, json.dumps(self._attachments(held))
        if request.method == "GET" and rest == "/versions":
            return 200, {}, json.dumps([{**self._form(fid), "version": v}
                                        for v in self.forms[fid].get("versions", [])])
        if request.method == "DELETE" and rest == "/draft":
            self.drafts.pop(fid, None)
            return 200, {}, json.dumps({"success": True})
        if request.method == "POST" and rest == "/draft":
            s = self._settings(request.body)
            self.drafts[fid] = {"version": s["version"], "name": s["form_title"],
                                "xlsx": request.body, "attachments": {}}
            return 200, {}, json.dumps({"success": True})
        if request.method == "POST" and rest.startswith("/draft/attachments/"):
            self.drafts[fid]["attachments"][rest.rsplit("/", 1)[1]] = request.body
            return 200, {}, json.dumps({"success": True})
        if request.method == "POST" and rest == "/draft/publish":
            draft = self.drafts.pop(fid)
            asked = parse_qs(urlsplit(request.url).query).get("version")
            if asked:  # ?version= renames the draft's version on publish (Central API)
                draft["version"] = asked[0]
            versions = [*self.forms[fid].get("versions", []), draft["version"]]
            self.forms[fid] = {**draft, "published": True, "versions": versions}
            return 200, {}, json.dumps({"success": True})
        return 404, {}, json.dumps(NOT_FOUND)


@pytest.fixture
def central(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for key, value in {"BASE_URL": BASE, "USERNAME": "office@example.org",
                       "PASSWORD": "secret-pw", "PROJECT_ID": str(PROJECT)}.items():
        monkeypatch.setenv(f"KONRAY_CENTRAL_{key}", value)
    monkeypatch.delenv("KONRAY_SERVERS_FILE", raising=False)
    monkeypatch.setenv("PYODK_CONFIG_FILE", str(tmp_path / "no-pyodk.toml"))
    fake = FakeCentral()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for method in (responses.GET, responses.POST, responses.PATCH, responses.DELETE):
            rsps.add_callback(method, re.compile(rf"{re.escape(BASE)}/v1/.*"),
                              callback=fake.handle)
        yield fake


@pytest.mark.usefixtures("prefect_harness")
def test_deploy_forms_publishes_the_built_forms_then_new_versions(central, tmp_path: Path):
    from flows.deploy_forms import deploy_forms
    from konray_review.forms.build import build_form
    from konray_review.profile import load_profile

    first = deploy_forms(source="central", year=2023, out=str(tmp_path / "forms"))
    want = {f: build_form(f, 2023, load_profile(), validate=False) for f in ("phieu_a",
                                                                             "phieu_b")}
    assert [(r["form_id"], r["version"], r["created"]) for r in first] == [
        ("phieu_a_2023", want["phieu_a"].version, True),
        ("phieu_b_2023", want["phieu_b"].version, True)]
    for form, b in want.items():
        published = central.forms[f"{form}_2023"]
        assert published.get("published") and published["version"] == b.version
        assert published["xlsx"] == (tmp_path / "forms" / "2023" / f"{form}_2023.xlsx"
                                     ).read_bytes()
        assert published["attachments"] == {"villages.csv": b.attachments["villages.csv"]}
    publishes = [p for m, p in central.log if p.endswith("/draft/publish")]
    assert publishes == [f"/v1/projects/{PROJECT}/forms/phieu_a_2023/draft/publish",
                         f"/v1/projects/{PROJECT}/forms/phieu_b_2023/draft/publish"]

    # a second run of the same build publishes nothing (the forms are unchanged) ...
    central.log.clear()
    again = deploy_forms(source="central", year=2023, out=str(tmp_path / "forms"))
    assert [(r["form_id"], r["created"], r["changed"]) for r in again] == [
        ("phieu_a_2023", False, False), ("phieu_b_2023", False, False)]
    assert not any(m == "POST" for m, p in central.log if p != "/v1/sessions")

    # ... and when the server's copy differs (an attachment replaced by hand), the form is
    # sent again as a draft of the same id and published under a free version string
    central.forms["phieu_b_2023"]["attachments"] = {"villages.csv": b"commune,village\n"}
    central.log.clear()
    third = deploy_forms(source="central", year=2023, out=str(tmp_path / "forms"))
    assert [(r["form_id"], r["changed"]) for r in third] == [("phieu_a_2023", False),
                                                             ("phieu_b_2023", True)]
    assert ("POST", f"/v1/projects/{PROJECT}/forms/phieu_b_2023/draft") in central.log
    assert not any(m == "POST" and p == f"/v1/projects/{PROJECT}/forms"
                   for m, p in central.log)
    republished = central.forms["phieu_b_2023"]
    assert republished["attachments"] == {"villages.csv": want["phieu_b"].attachments[
        "villages.csv"]}
    assert republished["versions"] == [want["phieu_b"].version,
                                       f"{want['phieu_b'].version}.1"]
