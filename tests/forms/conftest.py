"""Session fixtures: each form is built once per year; the engine runs once per batch, and the
batches run concurrently (one Node process each)."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from konray_review.forms.answers import form_answers
from konray_review.forms.build import BuiltForm, build_form, write_built
from konray_review.forms.engine import EngineError, check_engine, run_cases
from konray_review.forms.javarosa import (
    JavaRosaError,
    check_java,
    compile_harness,
    validate_jar,
)
from konray_review.forms.javarosa import run_cases as run_javarosa
from konray_review.profile import load_profile
from konray_review.sources.files import parse_submission, read_xml_folder
from konray_review.sources.normalise import Canonical, to_canonical
from tests.forms.cases import YEARS, all_cases
from tests.forms.constraint_cases import constraint_cases, phieu_a_cases
from tests.forms.profiles import CUTOFFS_2027, district_profile
from tests.strict import missing_tool

PROFILE = load_profile()


def need_engine() -> None:
    """The Node form engine: a failure in strict mode (CI), a named skip otherwise."""
    try:
        check_engine()
    except EngineError as exc:
        missing_tool("Node form engine", str(exc))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory
          ) -> dict[tuple[str, int], tuple[BuiltForm, Path]]:
    """{(form, year): (built form, folder with its XML and attachments)}, each checked by
    ODK Validate, which needs Java (a failure in strict mode, a named skip otherwise)."""
    if shutil.which("java") is None:
        missing_tool("Java", "java is not on PATH; ODK Validate (pyxform) needs it")
    out = {}
    for year in YEARS:
        folder = tmp_path_factory.mktemp(f"forms-{year}")
        for form in ("phieu_a", "phieu_b"):
            b = build_form(form, year, PROFILE)
            write_built(b, folder)
            out[(form, year)] = (b, folder)
    return out


def engine_request(case: dict[str, Any], profile=PROFILE, **extra: Any) -> dict[str, Any]:
    req = {"id": case["id"], **form_answers(case["household"], case["members"], profile,
                                            case.get("b1"))}
    req.update(extra)
    return req


@pytest.fixture(scope="session")
def cutoff_profile(tmp_path_factory: pytest.TempPathFactory):
    """Kon Rẫy with 2027–2030 B1 cut-offs supplied by the province (profile overrides)."""
    return district_profile(tmp_path_factory.mktemp("profile-cutoffs"),
                            changes={"overrides": CUTOFFS_2027})


def is_income_case(case: dict[str, Any]) -> bool:
    return any(k in case["id"] for k in ("-b1-", "-both", "income"))


@pytest.fixture(scope="session")
def engine_batches(built, cutoff_profile, tmp_path_factory: pytest.TempPathFactory
                   ) -> dict[str, tuple[BuiltForm, Path, list[dict], list[dict]]]:
    """{batch: (built form, its folder, cases, engine requests)}: Phiếu B parity per year,
    constraints, Phiếu A, and 2027 income cases under a profile with B1 cut-offs."""
    batches = {}
    for year in YEARS:
        cases = all_cases(year, PROFILE)
        batches[f"parity-{year}"] = (*built[("phieu_b", year)], cases,
                                     [engine_request(c, submission=True) for c in cases])
    cons = constraint_cases(PROFILE)
    batches["constraints"] = (*built[("phieu_b", 2023)], cons, [c["request"] for c in cons])
    a_cases = phieu_a_cases(PROFILE)
    batches["phieu_a"] = (*built[("phieu_a", 2023)], a_cases, [c["request"] for c in a_cases])
    folder = tmp_path_factory.mktemp("forms-2027-cutoffs")
    b = build_form("phieu_b", 2027, cutoff_profile)
    write_built(b, folder)
    cut = [c for c in all_cases(2027, cutoff_profile) if is_income_case(c)]
    batches["cutoffs-2027"] = (b, folder, cut, [engine_request(c, cutoff_profile, submission=True)
                                                for c in cut])
    return batches


@pytest.fixture(scope="session")
def engine_runs(engine_batches) -> dict[str, tuple[list[dict], list[dict]]]:
    """{batch: (cases, Web Forms engine results)}; the batches run two at a time."""
    need_engine()

    def run(item: tuple[BuiltForm, Path, list[dict], list[dict]]) -> list[dict]:
        b, folder, _, requests = item
        return run_cases(folder / b.file_names()["xml"], folder, requests)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(engine_batches, pool.map(run, engine_batches.values()),
                           strict=True))
    return {name: (engine_batches[name][2], results[name]) for name in engine_batches}


def normalise_results(results: list[dict[str, Any]], folder: Path,
                      profile=PROFILE) -> Canonical:
    """Engine submissions -> the production normaliser, through the XML-folder adapter
    (``sources.files``) exactly as hand-copied Collect instances are read. Households come
    back in the order of ``results``; members by household, then member_no."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, r in enumerate(results):
        (folder / f"{i:05d}.xml").write_text(r["submission"], encoding="utf-8")
    raw, form_id = read_xml_folder(folder)
    canon = to_canonical(raw, profile=profile, source="files", form_id=form_id)
    order = [parse_submission(r["submission"].encode("utf-8"))["__id"] for r in results]
    hh = canon.households.set_index("instance_id", drop=False).loc[order]
    rank = {iid: i for i, iid in enumerate(order)}
    mem = canon.members.assign(_rank=canon.members["instance_id"].map(rank))
    mem = mem.sort_values(["_rank", "member_no"]).drop(columns="_rank")
    return Canonical(hh.reset_index(drop=True), mem.reset_index(drop=True), canon.problems)


def need_java() -> None:
    """A JDK (javac) for the JavaRosa harness: a failure in strict mode, else a named skip."""
    try:
        check_java()
        validate_jar()
    except JavaRosaError as exc:
        missing_tool("Java JDK", str(exc))


#: enumerator-style edits made after the first pass (see forms/engine/javarosa/Harness.java)
EDITS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    # a member deleted mid-roster, then the household size corrected
    "edit-delete-member": ("2023-dependants-half", [
        {"op": "delete", "path": "members[2]"}, {"op": "set", "path": "household_size",
                                                 "value": 3}]),
    # an age corrected after the labour questions were answered: they are no longer asked
    "edit-age-to-70": ("2023-retire-male-59", [
        {"op": "set", "path": "members[2]/age_reported", "value": 70}]),
    # a child's age corrected to 20: the labour questions now must be answered ...
    "edit-age-to-20-unanswered": ("2023-insurance-6", [
        {"op": "set", "path": "members[2]/age_reported", "value": 20}]),
    # ... and once they are, the form is complete
    "edit-age-to-20-answered": ("2023-insurance-6", [
        {"op": "set", "path": "members[2]/age_reported", "value": 20},
        {"op": "set", "path": "members[2]/able_to_work", "value": "yes"},
        {"op": "set", "path": "members[2]/wants_work", "value": "yes"},
        {"op": "set", "path": "members[2]/employment", "value": "unemployed"},
        {"op": "set", "path": "members[2]/trained_by_employer", "value": "no"}]),
    # an answer that breaks a constraint: JavaRosa refuses it, the earlier answer stays
    "edit-negative-area": ("2023-area-16.0", [
        {"op": "set", "path": "living_area_m2", "value": -5}]),
}


@pytest.fixture(scope="session")
def java_jdk() -> None:
    need_java()


@pytest.fixture(scope="session")
def javarosa_runs(java_jdk, engine_batches, tmp_path_factory: pytest.TempPathFactory
                  ) -> dict[str, tuple[list[dict], list[dict]]]:
    """{batch: (cases, JavaRosa results)}: the Web Forms parity batches, and the edits."""
    build = compile_harness(tmp_path_factory.mktemp("javarosa-build"))
    batches = {k: v for k, v in engine_batches.items() if k.startswith(("parity-", "cutoffs-"))}
    b, folder, cases, requests = engine_batches["parity-2023"]
    by_id = dict(zip((c["id"] for c in cases), requests, strict=True))
    edit_cases = [{"id": name, "base": base, "edits": edits}
                  for name, (base, edits) in EDITS.items()]
    batches["edits"] = (b, folder, edit_cases, [{**by_id[c["base"]], "id": c["id"],
                                                 "edits": c["edits"]} for c in edit_cases])

    def run(item: tuple[BuiltForm, Path, list[dict], list[dict]]) -> list[dict]:
        form, where, _, reqs = item
        return run_javarosa(where / form.file_names()["xml"], where, reqs, build_dir=build)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(batches, pool.map(run, batches.values()), strict=True))
    return {name: (batches[name][2], results[name]) for name in batches}


@pytest.fixture(scope="session")
def normalised(engine_runs, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Canonical]:
    """{year: the parity batch normalised by konray_review.sources.normalise}."""
    return {year: normalise_results(engine_runs[f"parity-{year}"][1],
                                    tmp_path_factory.mktemp(f"submissions-{year}"))
            for year in YEARS}
