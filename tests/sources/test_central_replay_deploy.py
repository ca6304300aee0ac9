"""``forms deploy`` replayed against a real ODK Central (v2026.2.2, ``fixtures/central/
deploy.json``): both forms of the year with every attachment their XForm declares, the
previous-year list as the Entity list behind ``households.csv``; a second deploy of the
same build publishes nothing; a hand-edited attachment makes a new version (the version
string was already used: ``<v>.1``); a rebuild publishes its own new version.

The build folder of each step is rebuilt from the recording (form ids, versions, titles and
the attachment files as uploaded), so the replay sees exactly what the recording saw."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pandas as pd
import pytest
import responses

from konray_review.pipeline.forms import DeployError, declared_attachments, deploy_year
from konray_review.sources.http import SourceError
from tests.sources.recording import exchanges, load_cassette, register, replay
from tests.sources.test_central_replay_pull import source
from tests.sources.xlsx import write_xlsform

DEPLOY = load_cassette("deploy")
STEPS = ("deploy-1-create", "deploy-2-unchanged", "deploy-3-attachment-edited",
         "deploy-4-rebuilt")
LIST_OF = {"deploy-1-create": "12", "deploy-2-unchanged": "12",
           "deploy-3-attachment-edited": "12", "deploy-4-rebuilt": "13"}


def build_folder(folder: Path, step: str) -> Path:
    """The built forms of ``step``: a settings-only XLSX, an XForm declaring the same
    attachments, and the attachment files with the recorded content."""
    folder.mkdir(parents=True, exist_ok=True)
    for form_id, built in DEPLOY["meta"]["builds"][step].items():
        write_xlsform(folder / f"{form_id}.xlsx", form_id=form_id, version=built["version"],
                      title=built["title"])
        instances = "".join(f'<instance id="{n.split(".")[0]}" src="jr://file-csv/{n}"/>'
                            for n in built["files"])
        (folder / f"{form_id}.xml").write_text(
            '<h:html xmlns:h="http://www.w3.org/1999/xhtml" xmlns="http://www.w3.org/2002/'
            f'xforms"><h:head><model><instance><data id="{form_id}"/></instance>{instances}'
            "</model></h:head></h:html>", encoding="utf-8")
        for name, text in built["files"].items():
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def last_year(step: str) -> pd.DataFrame:
    text = DEPLOY["meta"]["lists"][LIST_OF[step]]
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _posts(calls) -> list[str]:
    return [c.request.url for c in calls if c.request.method == "POST"
            and "/sessions" not in c.request.url]


@pytest.fixture(scope="module")
def deployed(profile, tmp_path_factory):
    """The four recorded deploys, in order, against one replayed server."""
    tmp = tmp_path_factory.mktemp("deploy")
    results, calls = {}, {}
    with replay("deploy", steps=STEPS) as rsps:
        src = source(DEPLOY, profile)
        for step in STEPS:
            before = len(rsps.calls)
            results[step] = deploy_year(src, 2026, build_folder(tmp / step, step),
                                        last_year(step))
            calls[step] = list(rsps.calls)[before:]
    return results, calls


def test_first_deploy_creates_both_forms_with_attachments_and_the_entity_list(deployed):
    results, calls = deployed
    a, b = results["deploy-1-create"]
    assert (a.form_id, b.form_id) == ("phieu_a_2026", "phieu_b_2026")
    assert a.created and b.created and a.changed and b.changed
    assert a.attachments == b.attachments == ["villages.csv"]
    assert b.entities == len(last_year("deploy-1-create")) and a.entities == 0
    sent = calls["deploy-1-create"]
    link = [c for c in sent if c.request.method == "PATCH"
            and c.request.url.endswith("/draft/attachments/households.csv")]
    assert len(link) == 1 and json.loads(link[0].request.body) == {"dataset": True}
    published = [u for u in _posts(sent) if u.endswith("/draft/publish")]
    assert len(published) == 2  # no ?version: the XLSForm's own version is used
    built = DEPLOY["meta"]["builds"]["deploy-1-create"]
    assert [a.version, b.version] == [built["phieu_a_2026"]["version"],
                                      built["phieu_b_2026"]["version"]]


def test_the_same_build_again_publishes_nothing(deployed):
    results, calls = deployed
    assert not any(r.changed for r in results["deploy-2-unchanged"])
    assert _posts(calls["deploy-2-unchanged"]) == []  # no draft, no upload, no publish


def test_an_edited_attachment_is_published_as_a_new_version(deployed):
    results, calls = deployed
    built = DEPLOY["meta"]["builds"]["deploy-3-attachment-edited"]
    a, b = results["deploy-3-attachment-edited"]
    assert a.version == built["phieu_a_2026"]["version"] + ".1"
    assert b.version == built["phieu_b_2026"]["version"] + ".1"
    publishes = [c.request.url for c in calls["deploy-3-attachment-edited"]
                 if c.request.url.split("?")[0].endswith("/draft/publish")]
    assert len(publishes) == 2 and all("version=" in u for u in publishes)


def test_a_rebuilt_form_gets_its_own_version(deployed):
    results, _ = deployed
    built = DEPLOY["meta"]["builds"]["deploy-4-rebuilt"]
    a, b = results["deploy-4-rebuilt"]
    assert b.version == built["phieu_b_2026"]["version"]  # a new content hash: used as is
    assert a.version == built["phieu_a_2026"]["version"] + ".2"  # the hand edit undone
    assert b.entities == 13


def test_a_declared_attachment_missing_from_the_build_is_refused_before_any_request(
        profile, tmp_path):
    folder = build_folder(tmp_path, "deploy-1-create")
    (folder / "villages.csv").unlink()
    with responses.RequestsMock() as rsps:  # nothing registered: any request would fail
        with pytest.raises(DeployError, match=r"villages\.csv"):
            deploy_year(source(DEPLOY, profile), 2026, folder, last_year("deploy-1-create"))
        assert not rsps.calls
    folder = build_folder(tmp_path / "no-list", "deploy-1-create")
    (folder / "households.csv").unlink()  # and no Entity list given instead
    with responses.RequestsMock(), pytest.raises(DeployError, match=r"households\.csv"):
        deploy_year(source(DEPLOY, profile), 2026, folder)


def test_an_attachment_the_server_still_misses_stops_the_publish(profile, tmp_path):
    """Central found an attachment our XForm reading did not (recorded listing, edited):
    the draft is dropped and the form is not published."""
    cassette = copy.deepcopy(DEPLOY)
    entries = exchanges(cassette, steps=("deploy-1-create",))
    cut = next(i for i, e in enumerate(entries)
               if e["request"]["path"].endswith("phieu_a_2026/draft/attachments")
               and e["request"]["method"] == "GET")
    entries = entries[:cut + 1]
    entries[cut]["response"]["json"].append({"name": "logo.png", "type": "image", "hash": None,
                                             "exists": False, "blobExists": False,
                                             "datasetExists": False})
    folder = build_folder(tmp_path, "deploy-1-create")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register(rsps, entries)
        rsps.add(responses.DELETE, entries[cut]["request"]["url"].rsplit("/", 1)[0],
                 json={"success": True})
        with pytest.raises(SourceError, match=r"logo\.png"):
            deploy_year(source(DEPLOY, profile), 2026, folder, last_year("deploy-1-create"))
        assert rsps.calls[-1].request.method == "DELETE"
        assert not any(c.request.url.endswith("/draft/publish") for c in rsps.calls)


def test_declared_attachments_are_read_from_the_built_xform(tmp_path):
    xml = tmp_path / "f.xml"
    xml.write_text(
        '<h:html xmlns:h="http://www.w3.org/1999/xhtml" xmlns="http://www.w3.org/2002/xforms">'
        '<h:head><model><itext><translation lang="vi"><text id="t"><value form="image">'
        'jr://images/logo.png</value></text></translation></itext>'
        '<instance><data id="x"/></instance>'
        '<instance id="villages" src="jr://file-csv/villages.csv"/>'
        '<instance id="h" src="jr://file/households.xml"/></model></h:head></h:html>',
        encoding="utf-8")
    assert declared_attachments(xml) == ["logo.png", "villages.csv", "households.xml"]


def test_a_household_list_for_forms_built_without_one_is_refused(profile, tmp_path):
    """Phiếu B has a households.csv slot only when built with the list: a list given to
    the deploy alone would be silently unused, so it is refused before any request."""
    folder = tmp_path / "b"
    build_folder(folder, "deploy-1-create")
    xml = folder / "phieu_b_2026.xml"
    xml.write_text(xml.read_text(encoding="utf-8").replace(
        '<instance id="households" src="jr://file-csv/households.csv"/>', ""),
        encoding="utf-8")
    with responses.RequestsMock(), pytest.raises(DeployError, match="--households"):
        deploy_year(source(DEPLOY, profile), 2026, folder, last_year("deploy-1-create"))
