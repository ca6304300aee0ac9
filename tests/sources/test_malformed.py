"""Malformed inputs, each a file a real export could contain, through the files source,
the quality gate and the accounting: every delivered row ends accepted, quarantined (with
its rule) or refused (with the file's name and why), and nothing raises.

The files are made by ``tests/sources/exports.py`` from ODK's own submission XML (Central
``submissions.csv.zip`` with Central's header order, a KoBo XLSX export, a Collect
``instances/`` folder). Expected counts and messages are written by hand from the case:
12 households, all valid before the case's change (``test_the_clean_exports_are_valid``).
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from konray_review.pipeline import stages
from konray_review.pipeline.accounting import Accounting, account
from konray_review.quality import validate
from konray_review.sources.files import FilesSource
from konray_review.store import Store
from tests.sources import exports as ex

N = 12
YEAR = 2023
FORM = "phieu_b_2023"
ZIP = f"{FORM}.csv.zip"


@dataclass
class Reviewed:
    pulled: stages.Pulled
    checked: object
    acc: Accounting

    @property
    def quarantine(self) -> pd.DataFrame:
        return self.checked.quarantine

    def rules(self) -> set[str]:
        return set(self.quarantine["rule_id"])

    def message(self, rule_id: str) -> str:
        return self.quarantine.loc[self.quarantine["rule_id"] == rule_id, "message_vi"].iloc[0]

    def counts(self) -> tuple[int, int, int, int]:
        a = self.acc
        return (a.delivered, a.total("accepted"), a.total("quarantined"), a.refused)


def review(path: Path, tmp: Path, profile, store: Store | None = None) -> Reviewed:
    """Pull the file into a fresh store, validate it (pandas engine: the same rules as GX),
    account for every row; what ``run_review`` does before it stores anything."""
    store = store or Store(f"sqlite:///{tmp / 'store.sqlite'}")
    pulled = stages.pull(FilesSource(path, profile=profile), store, year=YEAR)
    checked = stages.validate(pulled, year=YEAR, profile=profile,
                              validator=partial(validate, engine="pandas"))
    return Reviewed(pulled, checked, account(pulled, checked))


def zip_of(tmp: Path, tables: ex.CsvTables | None = None, **kw) -> Path:
    folder = tmp / "in"
    folder.mkdir(exist_ok=True)
    return ex.write_central_zip(tables or ex.central_tables(ex.make(N)), folder / ZIP, **kw)


def test_the_clean_exports_are_valid(tmp_path, profile):
    subs = ex.make(N)
    for path in (zip_of(tmp_path, ex.central_tables(subs)),
                 ex.write_kobo_xlsx(subs, tmp_path / "kobo.xlsx"),
                 ex.write_xml_folder(subs, tmp_path / "instances")):
        (tmp_path / f"store-{path.name}").mkdir()
        got = review(path, tmp_path / f"store-{path.name}", profile)
        assert got.counts() == (N, N, 0, 0), (path.name, got.quarantine.head())
        assert got.acc.findings.empty, got.acc.findings.to_dict("records")


# --- Central csv.zip: one change per case -----------------------------------------------------
def _tables(change) -> ex.CsvTables:
    t = ex.central_tables(ex.make(N))
    change(t)
    return t


def _set(row: int, column: str, value: str):
    return lambda t: t.rows[row].__setitem__(column, value)


CSV_CASES = {
    # finding 1: another review year is received and quarantined, not filtered
    "review year of another year": (
        _set(3, "review_year", "2022"), (N, N - 1, 1, 0), "HH-006",
        "Năm rà soát không đúng với đợt rà soát này. (đã điền «2022»)"),
    # finding 3: household size not a number / not whole
    "household size as a word": (
        _set(2, "household-household_size", "five"), (N, N - 1, 1, 0), "SRC-001",
        "«Số nhân khẩu» phải là một con số, nhưng đã điền «five»."),
    "household size with a decimal comma": (
        _set(2, "household-household_size", "12,5"), (N, N - 1, 1, 0), "SRC-002",
        "«Số nhân khẩu» phải là số nguyên, nhưng đã điền «12,5»."),
    # finding 5: the same KEY twice, copies that differ
    "repeated KEY, differing copies": (
        lambda t: t.rows.append(t.rows[1] | {"income-income_per_capita": "900000"}),
        (N + 1, N - 1, 2, 0), "SRC-005",
        "Phiếu này có 2 dòng khác nhau trong phieu_b_2023.csv (dòng 3, 14): cần xoá bản thừa "
        "trên máy chủ rồi tải lại."),
    # finding 6/9: a cut last line (no KEY) is its own problem; the rest is read
    "main CSV cut in its last row": (
        lambda t: t.rows[-1].update({c: "" for c in t.header[t.header.index(
            "housing-living_area_m2"):]}),
        (N, N - 1, 1, 0), "SRC-006",
        "Dòng 13 của tệp phieu_b_2023.csv không đọc được (thiếu mã phiếu KEY / instanceID, "
        "hoặc sai số cột): tệp có thể bị cắt hoặc hỏng, hãy tải lại."),
    # finding 9: a missing household id column quarantines with HH-001, no traceback
    "no household_id column": (
        lambda t: t.header.remove("household-household_id"), (N, 0, N, 0), "HH-001",
        "Chưa điền «Mã hộ»."),
    # finding 2: a missing water_source column: every form quarantined (0 accepted)
    "no water_source column": (
        lambda t: t.header.remove("water_sanitation-water_source"), (N, 0, N, 0), "HH-001",
        "Chưa điền «Nguồn nước sinh hoạt»."),
    # finding 12: a village code of another commune is not relabelled, HH-018 says so
    "village of another commune": (
        _set(0, "household-village", "dak_ruong__thon_mau_1"), (N, N - 1, 1, 0), "HH-018",
        "Tên thôn không có trong danh sách thôn của xã. (đã điền «dak_ruong__thon_mau_1»)"),
    # PARENT_KEY column absent: the roster's own KEY says whose it is
    "no PARENT_KEY column": (
        lambda t: t.roster_header.remove("PARENT_KEY"), (N, N, 0, 0), None, None),
    # neither PARENT_KEY nor KEY: the file is refused as a whole, by name
    "no PARENT_KEY and no KEY in the roster": (
        lambda t: [t.roster_header.remove(c) for c in ("PARENT_KEY", "KEY")],
        (N, 0, 0, N), "refused",
        "Tệp bị từ chối: phieu_b_2023-members.csv không có cột PARENT_KEY lẫn KEY: không "
        "biết thành viên thuộc hộ nào; tải lại tệp từ ODK Central."),
    "no KEY column in the main CSV": (
        lambda t: t.header.remove("KEY"), (N, 0, 0, N), "refused",
        "Tệp bị từ chối: phieu_b_2023.csv không có cột KEY: đây không phải bảng xuất của ODK "
        "Central."),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_central_csv_cases(case, tmp_path, profile):
    change, counts, rule, message = CSV_CASES[case]
    got = review(zip_of(tmp_path, _tables(change)), tmp_path, profile)
    assert got.counts() == counts, got.acc.files.to_dict("records")
    if rule == "refused":
        assert got.acc.refusals["message_vi"].tolist() == [message]
        assert got.acc.refusals["file"].tolist() == [ZIP]
    elif rule:
        assert rule in got.rules()
        assert got.message(rule) == message


def test_repeated_identical_key_is_one_submission_and_a_note(tmp_path, profile):
    t = _tables(lambda t: t.rows.append(dict(t.rows[4])))
    got = review(zip_of(tmp_path, t), tmp_path, profile)
    assert got.counts() == (N + 1, N + 1, 0, 0)  # both rows are the one accepted submission
    assert got.acc.notes["message_vi"].tolist() == [
        "1 phiếu có bản sao giống hệt trong tệp (dòng 6, 14): chỉ dùng một bản (nên xoá bản "
        "thừa trên máy chủ)."]


def test_missing_column_is_said_once_for_the_file(tmp_path, profile):
    t = _tables(lambda t: t.header.remove("water_sanitation-water_source"))
    got = review(zip_of(tmp_path, t), tmp_path, profile)
    notes = got.acc.notes
    assert notes["rule_id"].tolist() == ["SRC-016"]
    assert notes["message_vi"].iloc[0].startswith(
        "Tệp không có cột «Nguồn nước sinh hoạt» (water_source): mọi phiếu trong tệp bị cách ly")


def test_roster_line_without_its_submission_is_refused_by_row(tmp_path, profile):
    """finding 6: one member row without its parent no longer blocks the file."""
    t = ex.central_tables(ex.make(N))
    lines = [i for i, r in enumerate(t.roster) if r["PARENT_KEY"] == t.rows[2]["KEY"]]
    t.roster[lines[-1]].update(PARENT_KEY="", KEY="")  # household 902: 5 members declared
    got = review(zip_of(tmp_path, t), tmp_path, profile)
    assert got.counts() == (N, N - 1, 1, 0)
    assert got.acc.total("members_refused") == 1
    assert got.rules() == {"HH-012"}  # its roster now has 4 of 5 members
    refused = got.acc.refusals
    assert refused["rule_id"].tolist() == ["SRC-011"]
    assert refused["message_vi"].iloc[0] == (
        f"Dòng thành viên {lines[-1] + 2} của {ZIP} không thuộc phiếu nào (PARENT_KEY trống "
        "hoặc sai): dòng bị bỏ, hãy tải lại tệp.")


def test_roster_cut_in_its_last_row(tmp_path, profile):
    t = ex.central_tables(ex.make(N))
    text = ex.csv_text(t.roster_header, t.roster)
    cut = text.rstrip("\n")
    cut = cut[: cut.rindex("\n") + 9]  # the last line keeps 8 characters
    got = review(zip_of(tmp_path, t, roster_text=cut), tmp_path, profile)
    assert got.acc.total("members_refused") == 1
    assert got.counts() == (N, N - 1, 1, 0)  # its household lacks a member: HH-011 / HH-012
    assert got.rules() & {"HH-011", "HH-012"}


def test_a_row_with_too_many_fields_is_its_own_problem(tmp_path, profile):
    t = ex.central_tables(ex.make(N))
    text = ex.csv_text(t.header, t.rows).splitlines()
    text[5] = text[5].replace(",", ",x,", 1)  # an unquoted comma in a value
    got = review(zip_of(tmp_path, t, main_text="\n".join(text) + "\n"), tmp_path, profile)
    assert got.counts() == (N, N - 1, 1, 0)
    assert got.rules() == {"SRC-006"} and "Dòng 6 của tệp phieu_b_2023.csv" in got.message(
        "SRC-006")
    assert got.acc.total("members_refused") == 1  # its one roster line has no submission


def test_no_members_csv_quarantines_every_household(tmp_path, profile):
    got = review(zip_of(tmp_path, roster=False), tmp_path, profile)
    assert got.counts() == (N, 0, N, 0)
    assert got.rules() == {"HH-011", "HH-012"}  # no roster: no member, size differs


def test_header_only_export_is_an_empty_delivery(tmp_path, profile):
    t = ex.central_tables([])
    got = review(zip_of(tmp_path, t), tmp_path, profile)
    assert got.counts() == (0, 0, 0, 0)
    assert got.pulled.households.empty and "water_source" in got.pulled.households.columns


# --- encodings and separators -----------------------------------------------------------------
def _reencoded(tmp: Path, encode) -> Path:
    t = ex.central_tables(ex.make(N))
    path = tmp / ZIP
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{FORM}.csv", encode(ex.csv_text(t.header, t.rows)))
        zf.writestr(f"{FORM}-members.csv", encode(ex.csv_text(t.roster_header, t.roster)))
    return path


def test_excel_csv_utf8_with_semicolons_and_decimal_commas(tmp_path, profile):
    """Excel in a Vietnamese locale saves "CSV UTF-8" with a BOM, ``;`` and ``77,5``."""
    subs = ex.make(N)
    subs[0].set("housing/living_area_m2", "77,5")
    subs[1].set("income/income_per_capita", "1.500.000")
    t = ex.central_tables(subs)
    path = tmp_path / ZIP
    with zipfile.ZipFile(path, "w") as zf:
        for name, head, rows in ((f"{FORM}.csv", t.header, t.rows),
                                 (f"{FORM}-members.csv", t.roster_header, t.roster)):
            zf.writestr(name, "\ufeff" + ex.csv_text(head, rows, sep=";"))
    got = review(path, tmp_path, profile)
    assert got.counts() == (N, N, 0, 0)
    hh = got.pulled.households.set_index("household_id")
    assert hh.loc[subs[0].household_id, "living_area_m2"] == 77.5
    assert hh.loc[subs[1].household_id, "income_per_capita"] == 1_500_000


def test_thousands_separators_in_amounts_are_not_decimals(tmp_path, profile):
    """finding 12: ``1.500`` đồng is one thousand five hundred, never 1.5."""
    subs = ex.make(3)
    for sub, value in zip(subs, ("1.500", "2,861,000", "700 000"), strict=True):
        sub.set("income/income_per_capita", value)
    batch = FilesSource(zip_of(tmp_path, ex.central_tables(subs)), profile=profile).pull()
    assert batch.households["income_per_capita"].tolist() == [1500.0, 2861000.0, 700000.0]
    assert batch.problems.empty


def test_utf16_unicode_text_is_read(tmp_path, profile):
    """Excel's "Unicode text": UTF-16 with a BOM, tab-separated."""
    t = ex.central_tables(ex.make(N))
    path = tmp_path / ZIP
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{FORM}.csv", ex.csv_text(t.header, t.rows, sep="\t").encode("utf-16"))
        zf.writestr(f"{FORM}-members.csv",
                    ex.csv_text(t.roster_header, t.roster, sep="\t").encode("utf-16"))
    assert review(path, tmp_path, profile).counts() == (N, N, 0, 0)


@pytest.mark.parametrize("encoding", ["cp1258", "cp1252"])
def test_windows_code_pages_are_refused_with_a_hint(encoding, tmp_path, profile):
    encode = ex.cp1258 if encoding == "cp1258" else (
        lambda s: s.encode("cp1252", errors="replace"))
    got = review(_reencoded(tmp_path, encode), tmp_path, profile)
    assert got.counts() == (0, 0, 0, 0)
    assert got.acc.refusals["message_vi"].tolist() == [
        "Tệp bị từ chối: phieu_b_2023.csv không phải mã UTF-8 (có lẽ đã được Excel lưu theo "
        "bảng mã Windows-1258/1252): mở tệp bằng Excel, chọn Lưu thành → «CSV UTF-8», hoặc "
        "tải lại từ máy chủ."]


# --- damaged files ------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "damage", "reason"), [
    (ZIP, lambda b: b"", "tệp rỗng (0 byte): tải lại tệp từ máy chủ."),
    (ZIP, lambda b: b[: len(b) // 2],
     "tệp .zip hỏng hoặc tải chưa xong (bị cắt): tải lại tệp từ máy chủ."),
    ("kobo.xlsx", lambda b: b"", "tệp rỗng (0 byte): tải lại tệp từ máy chủ."),
    ("kobo.xlsx", lambda b: b[: len(b) // 2],
     "tệp .xlsx hỏng hoặc tải chưa xong (bị cắt): tải lại tệp từ KoBoToolbox."),
])
def test_empty_and_cut_files_are_refused_by_name(name, damage, reason, tmp_path, profile):
    subs = ex.make(N)
    good = (zip_of(tmp_path, ex.central_tables(subs)) if name == ZIP
            else ex.write_kobo_xlsx(subs, tmp_path / name))
    good.write_bytes(damage(good.read_bytes()))
    got = review(good, tmp_path, profile)
    assert got.counts() == (0, 0, 0, 0)
    refused = got.acc.refusals
    assert refused["file"].tolist() == [name]
    assert refused["message_vi"].tolist() == [f"Tệp bị từ chối: {reason}"]


# --- KoBo XLSX ---------------------------------------------------------------------------------
def test_kobo_duplicate_uuid_is_one_submission(tmp_path, profile):
    """KoBo stores a resubmitted instance twice: same ``_uuid``, another ``_id`` and time."""
    subs = ex.make(N)
    cols, main, mcols, roster = ex.kobo_tables(subs)
    twin = main[5] | {"_id": "9999", "_submission_time": "2023-10-09T08:00:00",
                      "_index": str(N + 1)}
    roster += [m | {"_parent_index": twin["_index"], "_submission__id": "9999"}
               for m in roster if m["_parent_index"] == main[5]["_index"]]
    path = ex.write_kobo_xlsx(subs, tmp_path / "kobo.xlsx", (cols, [*main, twin], mcols, roster))
    got = review(path, tmp_path, profile)
    assert got.counts() == (N + 1, N + 1, 0, 0)
    assert got.acc.notes["rule_id"].tolist() == ["SRC-015"]
    assert len(got.pulled.members) == sum(len(s.xml.findall("members")) for s in subs)


def test_kobo_bad_submission_time_is_one_problem(tmp_path, profile):
    subs = ex.make(N)
    cols, main, mcols, roster = ex.kobo_tables(subs)
    main[7]["_submission_time"] = "hôm qua"
    path = ex.write_kobo_xlsx(subs, tmp_path / "kobo.xlsx", (cols, main, mcols, roster))
    got = review(path, tmp_path, profile)
    assert got.counts() == (N, N - 1, 1, 0)
    assert got.message("SRC-004") == (
        "«Thời điểm gửi phiếu» không đọc được thành ngày giờ: «hôm qua».")
    assert "HH-001" not in got.rules()  # reported as unreadable, not also as blank


def test_kobo_without_uuid_is_refused(tmp_path, profile):
    subs = ex.make(N)
    cols, main, mcols, roster = ex.kobo_tables(subs)
    cols.remove("_uuid")
    path = ex.write_kobo_xlsx(subs, tmp_path / "kobo.xlsx", (cols, main, mcols, roster))
    got = review(path, tmp_path, profile)
    assert got.counts() == (N, 0, 0, N)
    assert "thiếu cột _uuid" in got.acc.refusals["message_vi"].iloc[0]


# --- XML folders --------------------------------------------------------------------------------
def test_other_forms_files_in_the_folder_are_refused_not_mixed(tmp_path, profile):
    """finding 12: Collect's instances/ folder holds every form's submissions."""
    folder = ex.write_xml_folder(ex.make(N), tmp_path / "instances")
    for f in (ex.SUBMISSIONS / "phieu_a_2023").glob("*.xml"):
        shutil.copy(f, folder / f.name)
    got = review(folder, tmp_path, profile)
    assert got.counts() == (N + 2, N, 0, 2)
    assert got.acc.refusals["message_vi"].tolist() == [
        "Tệp bị từ chối: 2 tệp XML thuộc biểu mẫu phieu_a_2023, không phải phieu_b_2023: "
        "không nhập chung; nhập riêng bằng --form phieu_a_2023."]
    only_a = FilesSource(folder, profile=profile, form="phieu_a_2023")
    assert only_a.key == "files:xml:phieu_a_2023" and len(only_a.pull().households) == 2


def test_broken_and_idless_xml_are_refused_one_by_one(tmp_path, profile):
    folder = ex.write_xml_folder(ex.make(N), tmp_path / "instances")
    files = sorted(folder.rglob("*.xml"))
    files[0].write_bytes(files[0].read_bytes()[:300])  # cut while copying
    text = files[1].read_text(encoding="utf-8")
    files[1].write_text(text.split("<meta>")[0] + "</data>", encoding="utf-8")
    got = review(folder, tmp_path, profile)
    assert got.counts() == (N, N - 2, 0, 2)
    refused = got.acc.refusals.set_index("file")["message_vi"]
    assert refused[files[0].relative_to(folder).as_posix()].startswith(
        "Tệp bị từ chối: tệp XML hỏng (")
    assert refused[files[1].relative_to(folder).as_posix()] == (
        "Tệp bị từ chối: phiếu XML không có meta/instanceID: không phải một phiếu đã hoàn "
        "thành.")


def test_an_edit_and_its_original_are_one_submission(tmp_path, profile):
    subs = ex.make(N)
    folder = ex.write_xml_folder(subs, tmp_path / "instances")
    edited = ex.make(N)[3]
    old = edited.instance_id
    meta = edited.xml.find("meta")
    ex.ET.SubElement(meta, "deprecatedID").text = old
    edited.set("meta/instanceID", "uuid:0e0e0e0e-1111-4222-8333-444444444444")
    edited.set("housing/living_area_m2", "72.5")
    (folder / "edit.xml").write_bytes(ex.ET.tostring(edited.xml, encoding="utf-8"))
    got = review(folder, tmp_path, profile)
    assert got.counts() == (N + 1, N + 1, 0, 0)  # the original file counts with its edit
    row = got.pulled.households.set_index("instance_id").loc[old]
    assert row["living_area_m2"] == 72.5 and row["edits"] == 1


def test_collect_without_username_quarantines_every_form_without_a_crash(tmp_path, profile):
    subs = ex.make(N)
    for s in subs:
        s.set("username", None)
        s.set("deviceid", None)
    got = review(ex.write_xml_folder(subs, tmp_path / "instances"), tmp_path, profile)
    assert got.counts() == (N, 0, N, 0)
    assert got.message("HH-001") == "Chưa điền «Điều tra viên»."


# --- finding 4: older form versions and fields the form does not have --------------------------
@pytest.fixture
def renamed_income(tmp_path, monkeypatch):
    """A copy of the form sources whose version history says the income question was
    called ``thu_nhap_binh_quan`` up to version 2022-0a1b2c3d."""
    from konray_review.forms.source import default_source_dir
    from konray_review.sources.fieldnames import known_fields, renamed_fields

    forms = tmp_path / "forms"
    shutil.copytree(default_source_dir(), forms)
    (forms / "phieu_b" / "renamed.yaml").write_text(
        "- {old: thu_nhap_binh_quan, new: income_per_capita, until: '2022-0a1b2c3d'}\n",
        encoding="utf-8")
    monkeypatch.setenv("KONRAY_FORMS_DIR", str(forms))
    renamed_fields.cache_clear()
    known_fields.cache_clear()
    yield forms
    monkeypatch.delenv("KONRAY_FORMS_DIR")
    renamed_fields.cache_clear()
    known_fields.cache_clear()


def _older_version() -> ex.CsvTables:
    """The income under its old name, and a field no form version has."""
    t = ex.central_tables(ex.make(N))
    old, new = "income-income_per_capita", "income-thu_nhap_binh_quan"
    t.header[t.header.index(old)] = new
    for row in t.rows:
        row[new] = row.pop(old, "")
    t.header.insert(3, "household-ghi_chu_them")
    t.rows[0]["household-ghi_chu_them"] = "nhà gần suối"
    return t


def test_older_form_version_is_read_under_the_new_name(renamed_income, tmp_path, profile):
    got = review(zip_of(tmp_path, _older_version()), tmp_path, profile)
    assert got.counts() == (N, N, 0, 0)
    hh = got.pulled.households.set_index("household_id")
    assert hh.loc["dak_koi__thon_mau_1__900", "income_per_capita"] == 1_000_000
    assert got.acc.notes["message_vi"].tolist() == [
        "Phiếu theo phiên bản biểu mẫu cũ: trường «thu_nhap_binh_quan» được đọc thành «Thu "
        "nhập bình quân đầu người» (9 phiếu, phiên bản đến 2022-0a1b2c3d).",
        "Trường «ghi_chu_them» không có trong biểu mẫu, không được đọc (1 dòng có giá trị)."]


def test_an_unknown_income_field_is_reported_not_silently_unclassified(tmp_path, profile):
    """Without the version history the old name is unknown: reported (SRC-007), and the
    households whose form asked the income are quarantined (SRC-009), not "not classified"."""
    got = review(zip_of(tmp_path, _older_version()), tmp_path, profile)
    assert got.counts() == (N, 3, 9, 0)  # 3 were not asked the income (B1, not assessed)
    assert got.rules() == {"SRC-009"}
    assert got.message("SRC-009") == (
        "Câu hỏi «Thu nhập bình quân đầu người» đã được hỏi nhưng chưa có câu trả lời.")
    assert set(got.acc.notes["message_vi"]) == {
        "Trường «thu_nhap_binh_quan» không có trong biểu mẫu, không được đọc (9 dòng có giá "
        "trị).",
        "Trường «ghi_chu_them» không có trong biểu mẫu, không được đọc (1 dòng có giá trị)."}


def test_kobo_roster_line_without_parent_falls_back_then_is_refused(tmp_path, profile):
    subs = ex.make(N)
    cols, main, mcols, roster = ex.kobo_tables(subs)
    roster[0]["_parent_index"] = ""  # _submission__uuid still names the submission
    roster[1].update(_parent_index="", _submission__uuid="")  # nothing does
    path = ex.write_kobo_xlsx(subs, tmp_path / "kobo.xlsx", (cols, main, mcols, roster))
    got = review(path, tmp_path, profile)
    assert got.acc.total("members_refused") == 1
    assert got.counts() == (N, N - 1, 1, 0)  # household 900 (2 members declared) has 1
    assert got.rules() == {"HH-012"}
    assert got.acc.refusals["message_vi"].iloc[0].startswith(
        "Dòng thành viên 3 của kobo.xlsx không thuộc phiếu nào")


def test_one_xml_copied_twice_is_one_submission(tmp_path, profile):
    folder = ex.write_xml_folder(ex.make(N), tmp_path / "instances")
    first = sorted(folder.rglob("*.xml"))[0]
    shutil.copy(first, folder / "copy-of-first.xml")
    got = review(folder, tmp_path, profile)
    assert got.counts() == (N + 1, N + 1, 0, 0)
    assert got.acc.notes["rule_id"].tolist() == ["SRC-015"]
