"""Record the ODK Central exchanges the tests replay (a dev tool, run by hand; not a test).

    KONRAY_RECORD_PASSWORD='…' .venv/bin/python -m tests.sources.record_central \\
        --base-url http://127.0.0.1:8383 --email admin@example.test \\
        [--only deploy,pull,run,errors,outage]

It only talks HTTP to the Central at ``--base-url`` (it does not build, start or stop a
server): it creates a project per scenario, builds this repository's forms for the review
year, fills them with ODK's own form engine (``forms/engine``, Node), posts those
submissions, then runs OUR code (``CentralSource``, ``pull_into``, ``run_review``,
``deploy_year``) against the server while :class:`tests.sources.recording.Recorder` writes
down every exchange. ``outage`` pauses after the first OData page until the server stops
answering (stop it by hand), records the failing pull, waits for the server to come back
and records the resumed pull. Cassettes go to ``tests/sources/fixtures/central/``; the
procedure is described in ``tests/sources/fixtures/README.md``.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import requests

from konray_review.forms.build import build_all, write_built
from konray_review.forms.engine import run_cases
from konray_review.profile import load_profile
from konray_review.sources.central import CentralSource
from konray_review.sources.config import CentralConfig, HttpSettings
from konray_review.sources.http import SourceError, retry_scope
from konray_review.sources.pull import pull_into
from konray_review.sources.state import FileStateStore
from tests.sources.recording import CASSETTES, Recorder

YEAR = 2026
SERVER = "ODK Central v2026.2.2 (getodk/central-backend tag v2026.2.2), pyxform-http, PostgreSQL 15"
PROFILE = load_profile()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SimulatedCrash(BaseException):
    """The process "dies" here (BaseException: nothing in the pipeline swallows it)."""


class Ctx:
    def __init__(self, base_url: str, email: str, password: str, tmp: Path) -> None:
        self.base_url, self.email, self.password, self.tmp = base_url, email, password, tmp
        self.rec = Recorder({})
        self.admin = self.rec.attach(requests.Session())
        self.api = f"{base_url}/v1"

    # --- set-up through plain HTTP (recorded as actor "setup") --------------------------------
    def login(self, session: requests.Session, email: str, password: str) -> None:
        r = session.post(f"{self.api}/sessions", json={"email": email, "password": password},
                         timeout=30)
        r.raise_for_status()
        session.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def project(self, name: str) -> int:
        with self.rec.at("setup", "setup"):
            if "Authorization" not in self.admin.headers:
                self.login(self.admin, self.email, self.password)
            stamp = time.strftime("%Y%m%dT%H%M%S")
            r = self.admin.post(f"{self.api}/projects", json={"name": f"{name} {stamp}"},
                                timeout=30)
        r.raise_for_status()
        return int(r.json()["id"])

    def post_submission(self, pid: int, form_id: str, xml: str) -> dict[str, Any]:
        r = self.admin.post(f"{self.api}/projects/{pid}/forms/{form_id}/submissions",
                            data=xml.encode(), headers={"Content-Type": "application/xml"},
                            timeout=60)
        r.raise_for_status()
        return r.json()

    def edit_submission(self, pid: int, form_id: str, xml: str, new_id: str,
                        changes: dict[str, str]) -> None:
        """An edit as Central takes it: the new XML carries the old id as deprecatedID."""
        old_id = xml.split("<instanceID>")[1].split("</instanceID>")[0]
        for tag, value in changes.items():
            start, end = xml.index(f"<{tag}>") + len(tag) + 2, xml.index(f"</{tag}>")
            xml = xml[:start] + value + xml[end:]
        xml = xml.replace(f"<instanceID>{old_id}</instanceID>",
                          f"<deprecatedID>{old_id}</deprecatedID><instanceID>{new_id}"
                          f"</instanceID>")
        r = self.admin.put(f"{self.api}/projects/{pid}/forms/{form_id}/submissions/{old_id}",
                           data=xml.encode(), headers={"Content-Type": "application/xml"},
                           timeout=60)
        r.raise_for_status()

    def delete_submission(self, pid: int, form_id: str, instance_id: str) -> None:
        r = self.admin.delete(
            f"{self.api}/projects/{pid}/forms/{form_id}/submissions/{instance_id}",
            timeout=30)
        r.raise_for_status()

    # --- our code, recorded as actor "client" ------------------------------------------------
    def config(self, pid: int, http: HttpSettings | None = None) -> CentralConfig:
        return CentralConfig(base_url=self.base_url, username=self.email,
                             password=self.password, project_id=pid, allow_http=True,
                             http=http or HttpSettings(retries=2, backoff=0.5))

    def source(self, pid: int, *, page_size: int = 1000,
               http: HttpSettings | None = None) -> CentralSource:
        src = CentralSource(self.config(pid, http), year=YEAR, profile=PROFILE,
                            page_size=page_size)
        self.rec.attach(src.client.session)
        return src


# --- forms and engine-filled submissions ----------------------------------------------------
def last_year_list(n: int, seed: int) -> pd.DataFrame:
    """A synthetic previous-year list (invented names), as ``forms build --households``."""
    from konray_review.synth import generate

    hh = generate(n, year=YEAR - 1, seed=seed, bad_share=0).households
    return hh.assign(previous_category="poor")[
        ["household_id", "commune", "village", "head_name", "previous_category"]]


def build(folder: Path, household_list: pd.DataFrame | None = None) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for form in build_all(YEAR, PROFILE, household_list=household_list):
        write_built(form, folder)
        out[form.form_id] = {"version": form.version, "title": form.sheets["settings"][0][
            "form_title"], "files": {n: b.decode("utf-8") for n, b in form.attachments.items()}}
    return out


def engine_submissions(folder: Path, n_random: int) -> list[tuple[str, str]]:
    """``(case id, submission XML)`` made by ODK's engine filling the built Phiếu B."""
    from tests.forms.cases import all_cases
    from tests.forms.conftest import engine_request

    cases = all_cases(YEAR, PROFILE, n_random=n_random)
    results = run_cases(folder / f"phieu_b_{YEAR}.xml", folder,
                        [engine_request(c, submission=True) for c in cases])
    bad = [r["id"] for r in results if r["submission_status"] != "ready"]
    if bad:
        raise SystemExit(f"engine could not finalise {bad}")
    return [(r["id"], r["submission"]) for r in results]


def as_duplicate(xml: str, new_id: str) -> str:
    """The same household sent again from another phone: a new instanceID, same answers."""
    old_id = xml.split("<instanceID>")[1].split("</instanceID>")[0]
    return xml.replace(old_id, new_id)


# --- scenarios ------------------------------------------------------------------------------
def scenario_deploy(ctx: Ctx) -> dict[str, Any]:
    from konray_review.pipeline.forms import deploy_year

    pid = ctx.project("konray fixtures deploy")
    listed = last_year_list(12, seed=5)
    folder = ctx.tmp / "deploy"
    builds: dict[str, Any] = {"deploy-1-create": build(folder, listed)}
    src = ctx.source(pid)
    with ctx.rec.at("deploy-1-create"):
        deploy_year(src, YEAR, folder, listed)
    builds["deploy-2-unchanged"] = builds["deploy-1-create"]
    with ctx.rec.at("deploy-2-unchanged"):
        deploy_year(src, YEAR, folder, listed)
    villages = folder / "villages.csv"  # a village added by hand, no rebuild
    villages.write_text(villages.read_text(encoding="utf-8")
                        + "dak_koi__thon_moi,Thôn mới,dak_koi\n", encoding="utf-8")
    step3 = {fid: {**b, "files": {**b["files"], "villages.csv": villages.read_text(
        encoding="utf-8")}} for fid, b in builds["deploy-1-create"].items()}
    builds["deploy-3-attachment-edited"] = step3
    with ctx.rec.at("deploy-3-attachment-edited"):
        deploy_year(src, YEAR, folder, listed)
    more = last_year_list(13, seed=5)
    builds["deploy-4-rebuilt"] = build(folder, more)
    with ctx.rec.at("deploy-4-rebuilt"):
        deploy_year(src, YEAR, folder, more)
    return {"project_id": pid, "builds": builds,
            "lists": {"12": _csv(listed), "13": _csv(more)}}


def _csv(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue()


def _deployed_project(ctx: Ctx, name: str) -> tuple[int, Path]:
    from konray_review.pipeline.forms import deploy_year

    pid = ctx.project(name)
    folder = ctx.tmp / name.replace(" ", "-")
    build(folder)
    with ctx.rec.at(f"{name}: deploy", "setup"):
        deploy_year(ctx.source(pid), YEAR, folder)
    return pid, folder


def scenario_pull(ctx: Ctx) -> dict[str, Any]:
    pid, folder = _deployed_project(ctx, "konray fixtures pull")
    subs = engine_submissions(folder, n_random=2)[:10]
    form_id = f"phieu_b_{YEAR}"
    with ctx.rec.at("pull-setup-1", "setup"):
        for _, xml in subs[:7]:
            ctx.post_submission(pid, form_id, xml)
    src = ctx.source(pid, page_size=3)
    store = FileStateStore(ctx.tmp / "pull-state")
    with ctx.rec.at("pull-1-full"):
        first = pull_into(src, store)
    with ctx.rec.at("pull-setup-2", "setup"):
        ctx.edit_submission(pid, form_id, subs[0][1], "uuid:0e0e0e0e-0000-4000-8000-000000000001",
                            {"living_area_m2": "99.5"})
        ctx.edit_submission(pid, form_id, subs[1][1], "uuid:0e0e0e0e-0000-4000-8000-000000000002",
                            {"owns_tv": "no"})
        gone = subs[2][1].split("<instanceID>")[1].split("</instanceID>")[0]
        ctx.delete_submission(pid, form_id, gone)
        for _, xml in subs[7:9]:
            ctx.post_submission(pid, form_id, xml)
    with ctx.rec.at("pull-2-incremental"):
        second = pull_into(src, store)
    with ctx.rec.at("probe-no-expand", "probe"):
        ctx.admin.get(f"{ctx.api}/projects/{pid}/forms/{form_id}.svc/Submissions",
                      params={"$top": "2"}, timeout=30)
    return {"project_id": pid, "page_size": 3, "deleted": gone,
            "reports": [_report(first), _report(second)]}


def _report(r: Any) -> dict[str, Any]:
    return {"received": r.received, "new": r.new, "updated": r.updated, "deleted": r.deleted,
            "members": r.members, "watermark": r.watermark.isoformat() if r.watermark else None}


class CrashAtFirstComment:
    """Wraps a source: the first comment is never sent (the process dies after the PATCH)."""

    def __init__(self, inner: CentralSource) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def add_comment(self, instance_id: str, body: str) -> None:
        raise SimulatedCrash(f"crash before the comment of {instance_id}")


def scenario_run(ctx: Ctx) -> dict[str, Any]:
    from konray_review.pipeline.review import run_review
    from konray_review.store import Store

    pid, folder = _deployed_project(ctx, "konray fixtures run")
    subs = engine_submissions(folder, n_random=2)[:28]
    form_id = f"phieu_b_{YEAR}"
    first, later = subs[:-3], subs[-3:]
    dup = as_duplicate(first[3][1], "uuid:d0d0d0d0-0000-4000-8000-000000000001")
    with ctx.rec.at("run-setup-1", "setup"):
        for _, xml in [*first, ("dup", dup)]:
            ctx.post_submission(pid, form_id, xml)
    store = Store(f"sqlite:///{ctx.tmp / 'run.sqlite'}")
    out = ctx.tmp / "run-out"
    src = ctx.source(pid)
    runs: list[dict[str, Any]] = []

    def run(step: str, source: Any, **kw: Any) -> None:
        with ctx.rec.at(step):
            try:
                o = run_review(source, year=YEAR, store=store, out_root=out, profile=PROFILE,
                               quality_engine="pandas", **kw)
                runs.append({"step": step, "received": o.received, "accepted": o.accepted,
                             "quarantined": o.quarantined, "write_back": o.write_back})
            except SimulatedCrash as exc:
                runs.append({"step": step, "crashed": str(exc)})

    run("run-1", src)
    run("run-2-again", src)
    with ctx.rec.at("run-setup-2", "setup"):
        for _, xml in later:
            ctx.post_submission(pid, form_id, xml)
        ctx.post_submission(pid, form_id, as_duplicate(later[0][1],
                                                       "uuid:d0d0d0d0-0000-4000-8000-000000000002"))
    run("run-3-crash", CrashAtFirstComment(src))
    run("run-4-repair", src, approve_accepted=True)
    return {"project_id": pid, "runs": runs}


def scenario_errors(ctx: Ctx, pid: int) -> dict[str, Any]:
    api, form = ctx.api, f"phieu_b_{YEAR}"
    svc = f"{api}/projects/{pid}/forms/{form}.svc/Submissions"
    s = ctx.admin
    probes: dict[str, int] = {}
    with ctx.rec.at("setup", "setup"):
        ctx.login(s, ctx.email, ctx.password)

    def probe(label: str, method: str, url: str, **kw: Any) -> None:
        with ctx.rec.at(f"error-{label}", "probe"):
            probes[label] = s.request(method, url, timeout=60, **kw).status_code

    probe("401-wrong-password", "POST", f"{api}/sessions",
          json={"email": ctx.email, "password": "wrong-password"})
    probe("401-bad-token", "GET", svc, headers={"Authorization": "Bearer " + "x" * 64})
    outsider = ctx.rec.attach(requests.Session())
    with ctx.rec.at("error-403-setup", "setup"):
        s.post(f"{api}/users", json={"email": "no-role@example.test",
                                     "password": "N0-role-pass!x"}, timeout=30)
        ctx.login(outsider, "no-role@example.test", "N0-role-pass!x")
    with ctx.rec.at("error-403-no-role", "probe"):
        probes["403-no-role"] = outsider.get(svc, timeout=30).status_code
    probe("404-project", "GET", f"{api}/projects/999999/forms/{form}.svc/Submissions")
    probe("404-form", "GET", f"{api}/projects/{pid}/forms/no_such_form.svc/Submissions")
    probe("404-submission", "GET", f"{api}/projects/{pid}/forms/{form}/submissions/uuid:nope")
    xlsx = (ctx.tmp / "konray-fixtures-pull" / f"{form}.xlsx").read_bytes()
    probe("409-form-exists", "POST", f"{api}/projects/{pid}/forms",
          params={"ignoreWarnings": "true", "publish": "false"}, data=xlsx,
          headers={"Content-Type": XLSX, "X-XlsForm-FormId-Fallback": form})
    with ctx.rec.at("error-409-setup", "setup"):
        s.post(f"{api}/projects/{pid}/forms/{form}/draft", params={"ignoreWarnings": "true"},
               data=xlsx, headers={"Content-Type": XLSX}, timeout=60)
    probe("409-same-version", "POST", f"{api}/projects/{pid}/forms/{form}/draft/publish")
    with ctx.rec.at("error-409-cleanup", "setup"):
        s.delete(f"{api}/projects/{pid}/forms/{form}/draft", timeout=30)
    with ctx.rec.at("error-setup", "setup"):
        listing = s.get(svc, params={"$top": "1"}, timeout=30).json()["value"]
    iid = listing[0]["__id"]
    sub = f"{api}/projects/{pid}/forms/{form}/submissions/{iid}"
    probe("400-received-state", "PATCH", sub, json={"reviewState": "received"})
    probe("400-too-large", "POST", f"{sub}/comments", json={"body": "x" * 300_000})
    probe("501-select-expand", "GET", svc, params={"$select": "__id", "$expand": "*"})
    probe("501-filter-field", "GET", svc, params={"$filter": "review_year eq 2026"})
    return {"project_id": pid, "probes": probes}


def _reachable(base_url: str) -> bool:
    parts = urlsplit(base_url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=1):
            return True
    except OSError:
        return False


def scenario_outage(ctx: Ctx, pid: int) -> dict[str, Any]:
    """Kill the server mid-pull (by hand, when told), then resume."""
    with ctx.rec.at("setup", "setup"):
        ctx.login(ctx.admin, ctx.email, ctx.password)
    http = HttpSettings(retries=2, backoff=0.5, stage_budget=10)
    src = ctx.source(pid, page_size=2, http=http)
    store = FileStateStore(ctx.tmp / "outage-state")
    pages = {"n": 0}

    def after(entry: dict[str, Any]) -> None:
        if entry["step"] == "outage-1-killed" and entry["request"]["path"].endswith(
                ".svc/Submissions"):
            pages["n"] += 1
            if pages["n"] == 1:
                print(">>> first page received: STOP THE SERVER NOW", flush=True)
                while _reachable(ctx.base_url):
                    time.sleep(0.2)
                print(">>> server is down; the pull goes on", flush=True)

    ctx.rec.hooks.append(after)
    failed = None
    with ctx.rec.at("outage-1-killed"), retry_scope("pull", http.stage_budget) as scope:
        try:
            pull_into(src, store)
        except SourceError as exc:
            failed = {"error": str(exc), "retries": len(scope.events)}
    ctx.rec.hooks.remove(after)
    print(">>> pull failed as expected; START THE SERVER AGAIN", flush=True)
    while not _reachable(ctx.base_url):
        time.sleep(0.5)
    time.sleep(3)
    with ctx.rec.at("outage-2-resumed"):
        report = pull_into(src, store)
    return {"project_id": pid, "page_size": 2, "http": {"retries": 2, "backoff": 0.5,
                                                         "stage_budget": 10},
            "failed": failed, "resumed": _report(report)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--email", required=True)
    ap.add_argument("--only", default="deploy,pull,run,errors,outage")
    ap.add_argument("--out", type=Path, default=CASSETTES)
    a = ap.parse_args()
    password = os.environ["KONRAY_RECORD_PASSWORD"]
    wanted = a.only.split(",")
    with tempfile.TemporaryDirectory(prefix="konray-record-") as tmp:
        def new_ctx() -> Ctx:
            return Ctx(a.base_url.rstrip("/"), a.email, password, Path(tmp))

        pull_pid = None
        for name in ("deploy", "pull", "run"):
            if name not in wanted:
                continue
            ctx = new_ctx()
            meta = globals()[f"scenario_{name}"](ctx)
            pull_pid = meta["project_id"] if name == "pull" else pull_pid
            _save(ctx, name, meta, a.out)
        for name in ("errors", "outage"):
            if name not in wanted:
                continue
            if pull_pid is None:
                raise SystemExit(f"{name} needs the pull scenario in the same recording")
            ctx = new_ctx()
            meta = globals()[f"scenario_{name}"](ctx, pull_pid)
            _save(ctx, name, meta, a.out)


def _save(ctx: Ctx, name: str, meta: dict[str, Any], out: Path) -> None:
    ctx.rec.meta.update({"server": SERVER, "base_url": ctx.base_url, "scenario": name,
                         "year": YEAR, "username": ctx.email, **meta})
    path = ctx.rec.save(out / f"{name}.json")
    print(f"{name}: {len(ctx.rec.exchanges)} exchanges -> {path}", flush=True)


if __name__ == "__main__":
    main()
