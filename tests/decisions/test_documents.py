"""The documents, opened and read back: every DOCX (python-docx) and PDF (pypdfium2 text)
carries the record's content, the unconfirmed-layout mark on itself, and A4 pages."""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from konray_review.decisions import documents as docs
from konray_review.decisions.documents.builder import write_templates
from konray_review.profile import load_profile
from tests.decisions.conftest import CLERK, REVIEW, YEAR, busiest_village, decisions, fill
from tests.store.backends import open_store

D = date


@dataclass
class Season:
    d: object
    commune: str
    village: str
    names: dict[str, str]
    resurvey: str
    complained: str
    refused: str
    certified: list[str]


@pytest.fixture(scope="module")
def season(tmp_path_factory, review):
    with open_store("sqlite", tmp_path_factory.mktemp("docs")) as store:
        d = decisions(fill(store, review))
        commune, village, hh = busiest_village(d)
        ids = hh["household_id"].tolist()
        poorish = hh[hh["category"].isin(["poor", "near_poor"])]["household_id"].tolist()
        resurvey, complained = ids[0], ids[1]
        refused = next(h for h in ids[2:] if h not in poorish[:1])
        d.open_review(YEAR, CLERK)
        votes = dict.fromkeys(ids)
        votes[resurvey] = 3
        d.record_meeting(REVIEW, commune, village, D(2023, 10, 2), 10, CLERK, votes=votes,
                         chair="Trưởng thôn Y Đức", secretary="Thư ký A Lâm",
                         households_represented=9, notes="Không có ý kiến khác")
        d.start_posting(REVIEW, commune, D(2023, 10, 3), CLERK, village=village,
                        places="Nhà rông thôn; UBND xã")
        d.register_complaint(REVIEW, complained, D(2023, 10, 4), "Bà K", "Có xe máy", CLERK)
        d.recheck(REVIEW, complained, D(2023, 10, 9), CLERK)
        d.report(REVIEW, commune, D(2023, 10, 13), CLERK, village=village)
        d.decide(REVIEW, commune, D(2023, 10, 16), CLERK, number="07/QĐ-UBND",
                 signer="Nguyễn Chủ Tịch", refusals={refused: "Thu nhập trên chuẩn"},
                 village=village)
        d.certify(REVIEW, commune, D(2023, 10, 17), CLERK, village=village)
        names = dict(zip(d.store.read_households(YEAR)["household_id"],
                         d.store.read_households(YEAR)["head_name"], strict=True))
        cur = d.states(REVIEW, communes=[commune], villages=[village])
        certified = cur.loc[cur["state"] == "certified", "household_id"].tolist()
        yield Season(d, commune, village, names, resurvey, complained, refused, certified)


def docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    parts += [p.text for s in document.sections for p in s.footer.paragraphs]
    return "\n".join(parts)


def pdf_pages(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    out = []
    for page in pdf:
        width, height = page.get_size()
        assert {round(width), round(height)} == {595, 842}  # A4 in points, either way up
        out.append(" ".join(page.get_textpage().get_text_range().split()))
    return out


def flat(text: str) -> str:
    return " ".join(text.split())


def both(season: Season, kind: str, **scope) -> tuple[str, list[str]]:
    _, d_bytes = docs.render(season.d, kind, "docx", REVIEW, season.commune, **scope)
    _, p_bytes = docs.render(season.d, kind, "pdf", REVIEW, season.commune, **scope)
    assert p_bytes.startswith(b"%PDF") and d_bytes.startswith(b"PK")
    return flat(docx_text(d_bytes)), pdf_pages(p_bytes)


def _unconfirmed(text: str) -> bool:
    return "MẪU CHƯA ĐỐI CHIẾU VỚI BẢN CHÍNH THỨC" in text


def test_appendix_i_lists_the_villages_households(season) -> None:
    text, pages = both(season, "appendix_i", village=season.village)
    whole = " ".join(pages)
    ids = season.d.states(REVIEW, communes=[season.commune],
                          villages=[season.village])["household_id"]
    for t in (text, whole):
        assert _unconfirmed(t) and "DANH SÁCH HỘ GIA ĐÌNH CẦN RÀ SOÁT" in t.upper()
        assert f"Tổng số hộ cần rà soát: {len(ids)} hộ" in t
        for hid in ids:
            assert season.names[hid] in t
    assert all(_unconfirmed(p) for p in pages)  # the mark is in every page's footer


def test_appendix_v_minutes_in_two_copies_with_each_vote(season) -> None:
    text, pages = both(season, "appendix_v", village=season.village)
    n = len(season.d.states(REVIEW, communes=[season.commune], villages=[season.village]))
    for t in (text, " ".join(pages)):
        assert "Bản số 1: lưu tại thôn" in t and "Bản số 2: gửi Ban chỉ đạo rà soát xã" in t
        # per copy: in the minutes and under the signature
        assert t.count("Trưởng thôn Y Đức") == 4 and t.count("Thư ký A Lâm") == 4
        assert t.count("3/10") == 2 and t.count("30,0 %") == 2  # the re-survey household
        assert t.count("Không thống nhất — khảo sát lại") == 2
        assert f"Tổng hợp: {n - 1} hộ thống nhất; 1 hộ không thống nhất" in t
        assert "ngày 02/10/2023" in t and "đại diện 9 hộ gia đình" in t
        assert season.names[season.resurvey] in t
    assert any(p.startswith("Bản số 2") or "Bản số 2" in p for p in pages[1:])


def test_posting_notice_gives_the_period_and_the_results(season) -> None:
    text, pages = both(season, "posting_notice", village=season.village)
    for t in (text, " ".join(pages)):
        assert _unconfirmed(t)
        assert "từ ngày 03/10/2023 đến hết ngày 06/10/2023" in t
        assert "Nhà rông thôn; UBND xã" in t and "phúc tra trong 7 ngày làm việc" in t
        assert season.names[season.complained] in t
        assert season.names[season.resurvey] not in t  # not agreed: not posted


def test_the_recheck_result_has_its_own_notice(season) -> None:
    text, pages = both(season, "posting_notice", household_id=season.complained)
    for t in (text, " ".join(pages)):
        assert "THÔNG BÁO NIÊM YẾT CÔNG KHAI KẾT QUẢ PHÚC TRA" in t.upper()
        assert "từ ngày 09/10/2023 đến hết ngày 12/10/2023" in t
        assert season.names[season.complained] in t


def test_appendix_vi_groups_the_list_after_review(season) -> None:
    text, pages = both(season, "appendix_vi")
    whole = " ".join(pages)
    for t in (text, whole):
        assert _unconfirmed(t)
        assert "Hộ không được công nhận" in t and season.names[season.refused] in t
        for hid in season.certified:
            assert season.names[hid] in t
        assert "Tổng số" in t
    assert season.names[season.resurvey] not in whole  # not reported yet: re-survey pending


def test_mau_02_decision_and_its_annexed_list(season) -> None:
    text, pages = both(season, "mau_02")
    cur = season.d.states(REVIEW, communes=[season.commune], villages=[season.village])
    poor = int((cur["state"].isin(["recognised", "certified"]) & cur["category"].eq("poor"))
               .sum())
    for t in (text, " ".join(pages)):
        assert _unconfirmed(t) and "Số: 07/QĐ-UBND" in t
        assert f"Điều 1. Công nhận {poor} hộ nghèo" in t
        assert "Nguyễn Chủ Tịch" in t and "ngày 16 tháng 10 năm 2023" in t
        assert "Quyết định 07/QĐ-UBND ngày 16/10/2023" in t  # the annex names its decision
        for hid in season.certified:
            assert season.names[hid] in t
        assert season.names[season.refused] not in t
    assert any("DANH SÁCH KÈM THEO" in p.upper() for p in pages[1:])  # the annex page


def test_mau_03_one_certificate_per_household(season) -> None:
    if not season.certified:
        pytest.skip("the fixture's village has no poor or near-poor household")
    hid = season.certified[0]
    members = season.d.store.read_members(YEAR, household_ids=[hid])
    text, pages = both(season, "mau_03", household_id=hid)
    assert len(pages) == 1
    for t in (text, pages[0]):
        assert _unconfirmed(t) and season.names[hid] in t and hid in t
        assert "Số: 0001" in t or re.search(r"Số: 000\d", t)
        assert "số 07/QĐ-UBND ngày 16/10/2023" in t
        for name in members["name"]:
            assert name in t
    _, all_pdf = docs.render(season.d, "mau_03", "pdf", REVIEW, season.commune,
                             village=season.village)
    assert len(pdf_pages(all_pdf)) == len(season.certified)


def test_a_districts_own_docx_template_is_used(season, tmp_path: Path) -> None:
    import docx

    profile_dir = tmp_path / "profile"
    shutil.copytree(Path(load_profile().directory), profile_dir)
    write_templates(profile_dir / "documents")
    own = docx.Document()
    own.add_paragraph("MẪU CỦA HUYỆN: {{ doc.data.certificates[0].head_name }} — "
                      "{{ doc.data.certificates[0].category }}")
    own.save(profile_dir / "documents" / "mau_03.docx")
    d = decisions(season.d.store)
    d.profile = load_profile(profile_dir)
    hid = season.certified[0] if season.certified else None
    if hid is None:
        pytest.skip("no certificate in the fixture")
    _, data = docs.render(d, "mau_03", "docx", REVIEW, season.commune, household_id=hid)
    text = docx_text(data)
    assert text.startswith(f"MẪU CỦA HUYỆN: {season.names[hid]} — Hộ")


def test_html_special_characters_in_names_do_not_break_the_docx(season) -> None:
    """docxtpl autoescapes: a name with & or < stays text, the file stays valid."""
    from konray_review.decisions.documents.content import appendix_i
    from konray_review.decisions.documents.docx import render_docx

    doc = appendix_i(season.d, REVIEW, season.commune, season.village)
    doc.data["villages"][0]["rows"][0]["head_name"] = "A & B <C>"
    assert "A & B <C>" in docx_text(render_docx(doc))


def test_unknown_kind_and_format_are_clear_errors(season) -> None:
    from konray_review.decisions import DecisionError

    with pytest.raises(DecisionError, match="Không có mẫu"):
        docs.render(season.d, "mau_99", "pdf", REVIEW, season.commune)
    with pytest.raises(DecisionError, match="không hỗ trợ"):
        docs.render(season.d, "mau_02", "odt", REVIEW, season.commune)
