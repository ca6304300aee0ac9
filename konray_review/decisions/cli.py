"""``konray-review decisions …``: the steps after the survey from the command line.

Thin: parse options, call ``Decisions``, print counts and household codes (never names or
ID numbers). A step given a file (``--votes``) is recorded as source ``import``, others as
``cli``. The CLI runs on the district's server, so its user acts as district staff.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import typer

decisions_app = typer.Typer(
    help="Sau khảo sát: họp thôn, niêm yết, khiếu nại, quyết định (steps after the survey).",
    no_args_is_help=True)

Year = Annotated[int, typer.Option("--year", help="Năm rà soát (review year)")]
Month = Annotated[int | None, typer.Option(
    "--month", help="Đợt rà soát thường xuyên của tháng (regular round); bỏ trống: hằng năm")]
Store = Annotated[str | None, typer.Option("--store", help="URL kho (default SQLite)")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="Hồ sơ huyện")]
Commune = Annotated[str, typer.Option("--commune", help="Xã, thị trấn")]
Village = Annotated[str | None, typer.Option("--village", help="Thôn (mặc định: cả xã)")]
Day = Annotated[str, typer.Option("--date", help="Ngày (YYYY-MM-DD)")]
By = Annotated[str | None, typer.Option("--by", help="Người ghi (default: OS user)")]


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


class _Session:
    """The store, profile and ``Decisions`` of one command; errors become 2 plain lines."""

    def __init__(self, store: str | None, profile: str | None, by: str | None,
                 source: str = "cli") -> None:
        from konray_review.decisions import Actor, Decisions
        from konray_review.profile import load_profile
        from konray_review.store import Store as _Store

        self.store = _Store(store)
        self.profile = load_profile(profile)
        self.d = Decisions(self.store, self.profile)
        self.actor = Actor(by or getpass.getuser() or "cli", source, role="district")

    def commune(self, name: str) -> str:
        canon = self.profile.canonical_unit(name)
        if canon is None:
            _fail(f"Xã {name!r} không có trong hồ sơ huyện.\nUnknown commune {name!r}.")
        return canon  # type: ignore[return-value]

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        from konray_review.decisions.errors import DecisionError

        self.store.dispose()
        if isinstance(exc, DecisionError):
            _fail(str(exc))


def _review_id(year: int, month: int | None) -> str:
    from konray_review.decisions import review_id_for

    return review_id_for(year, month)


def _done(result: Any) -> None:
    parts = [f"{result.event}: {result.households} hộ (households)"]
    if result.skipped:
        parts.append(f"{result.skipped} hộ khác chưa đến bước này (others not at this step)")
    if result.starts_on:
        parts.append(f"từ (from) {result.starts_on}")
    if result.due_on:
        parts.append(f"hạn / hết (until) {result.due_on}")
    if result.detail:
        parts.append(", ".join(f"{k}={v}" for k, v in result.detail.items() if k != "acts"))
    typer.echo("; ".join(parts))


@decisions_app.command("open")
def open_review(year: Year, month: Month = None, store: Store = None, profile: ProfileOpt = None,
                by: By = None) -> None:
    """Mở đợt rà soát: kết quả phân loại thành kết quả sơ bộ (open a review)."""
    with _Session(store, profile, by) as s:
        review = s.d.open_review(year, s.actor, month)
        n = len(s.d.states(review["review_id"]))
    typer.echo(f"Đợt {review['review_id']}: {review['starts_on']} – {review['due_on']}; "
               f"{n} hộ (households)")
    if n == 0 and review["kind"] == "annual":  # opened before any run classified the year
        typer.echo(f"Chưa có hộ nào được phân loại cho năm {year}: chạy rà soát trước "
                   f"(konray-review run --source central --year {year}), rồi gõ lại lệnh này "
                   f"để đưa kết quả vào đợt. (No household of {year} is classified yet: run "
                   f"the review, then open again to take its results.)")


@decisions_app.command("add")
def add(year: Year, month: Annotated[int, typer.Option(
        "--month", help="Đợt rà soát thường xuyên của tháng (regular round)")],
        household: Annotated[list[str] | None, typer.Option("--household")] = None,
        households_file: Annotated[Path | None, typer.Option(
            "--households-file", exists=True, help="CSV có cột household_id")] = None,
        store: Store = None, profile: ProfileOpt = None, by: By = None) -> None:
    """Đưa hộ có giấy đề nghị vào đợt rà soát thường xuyên (add households to a round)."""
    import pandas as pd

    ids = list(household or [])
    if households_file:
        ids += pd.read_csv(households_file, dtype=str)["household_id"].str.strip().tolist()
    with _Session(store, profile, by, "import" if households_file else "cli") as s:
        _done(s.d.add_households(_review_id(year, month), ids, s.actor))


@decisions_app.command("status")
def status(year: Year, month: Month = None, commune: Annotated[str | None, typer.Option(
        "--commune")] = None, store: Store = None, profile: ProfileOpt = None) -> None:
    """Việc đến hạn, quá hạn, đã xong theo xã (due, overdue, finished per commune)."""
    from rich.console import Console
    from rich.table import Table

    from konray_review.decisions.dashboard import STEP_WORDS, build

    with _Session(store, profile, None) as s:
        units = [s.commune(commune)] if commune else None
        dash = build(s.d, _review_id(year, month), units)
    table = Table(title=f"{dash.review['review_id']} — hạn (due) {dash.review['due_on']}, "
                        f"hôm nay (today) {dash.today}")
    for col in ("Xã", "Số hộ", "Đã xong", "Đến hạn", "Quá hạn"):
        table.add_column(col, justify="left" if col == "Xã" else "right")
    for r in dash.communes.itertuples(index=False):
        table.add_row(str(r.commune), str(r.households), str(r.finished), str(r.due),
                      str(r.overdue))
    console = Console()
    console.print(table)
    late = dash.items[dash.items["overdue"]] if len(dash.items) else dash.items
    for item in late.head(50).to_dict("records"):
        console.print(f"QUÁ HẠN {item['due_on']}: {item['household_id']} ({item['village']}) — "
                      f"{STEP_WORDS[str(item['next_step'])][0]}")


def _read_votes(path: Path) -> dict[str, int | None]:
    import pandas as pd

    from konray_review.decisions.errors import DecisionError

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "household_id" not in frame.columns:
        raise DecisionError(f"{path}: thiếu cột household_id.", f"{path}: no household_id "
                            "column.")
    agree = frame["agree"] if "agree" in frame.columns else pd.Series("", index=frame.index)
    return {h.strip(): (int(a) if a.strip() else None)
            for h, a in zip(frame["household_id"], agree, strict=True)}


@decisions_app.command("meeting")
def meeting(year: Year, commune: Commune, village: Annotated[str, typer.Option("--village")],
            date: Day, attendees: Annotated[int, typer.Option("--attendees",
                                                              help="Số người dự họp")],
            votes: Annotated[Path | None, typer.Option(
                "--votes", exists=True, help="CSV household_id,agree (trống = tất cả đồng ý)")
            ] = None,
            represented: Annotated[int | None, typer.Option(
                "--households-represented", help="Số hộ có đại diện dự họp")] = None,
            chair: str = "", secretary: str = "", place: str = "", notes: str = "",
            month: Month = None, store: Store = None, profile: ProfileOpt = None,
            by: By = None) -> None:
    """Ghi kết quả họp thôn cho cả thôn (record a village meeting)."""
    with _Session(store, profile, by, "import" if votes else "cli") as s:
        _done(s.d.record_meeting(
            _review_id(year, month), s.commune(commune), village, date, attendees, s.actor,
            votes=_read_votes(votes) if votes else None, households_represented=represented,
            chair=chair, secretary=secretary, place=place, notes=notes))


@decisions_app.command("resurveyed")
def resurveyed(year: Year, commune: Commune, date: Day, village: Village = None,
               household: Annotated[list[str] | None, typer.Option("--household")] = None,
               month: Month = None, store: Store = None, profile: ProfileOpt = None,
               by: By = None) -> None:
    """Hộ đã khảo sát lại (phiếu mới đã kéo về): lấy kết quả phân loại mới."""
    with _Session(store, profile, by) as s:
        _done(s.d.record_resurvey(_review_id(year, month), s.commune(commune), date, s.actor,
                                  village=village, household_ids=household))


@decisions_app.command("post")
def post(year: Year, commune: Commune, date: Day, village: Village = None,
         places: Annotated[str, typer.Option("--places", help="Nơi niêm yết")] = "",
         month: Month = None, store: Store = None, profile: ProfileOpt = None,
         by: By = None) -> None:
    """Bắt đầu niêm yết công khai (3 ngày làm việc)."""
    with _Session(store, profile, by) as s:
        _done(s.d.start_posting(_review_id(year, month), s.commune(commune), date, s.actor,
                                village=village, places=places))


@decisions_app.command("complaint")
def complaint(year: Year, household: Annotated[str, typer.Option("--household")], date: Day,
              complainant: Annotated[str, typer.Option("--complainant",
                                                       help="Người khiếu nại")],
              content: Annotated[str, typer.Option("--content", help="Nội dung")],
              month: Month = None, store: Store = None, profile: ProfileOpt = None,
              by: By = None) -> None:
    """Tiếp nhận khiếu nại trong thời gian niêm yết (phúc tra trong 7 ngày làm việc)."""
    with _Session(store, profile, by) as s:
        _done(s.d.register_complaint(_review_id(year, month), household, date, complainant,
                                     content, s.actor))


def _corrections(pairs: list[str] | None) -> dict[str, str]:
    from konray_review.decisions.errors import DecisionError

    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise DecisionError(f"--set {pair!r}: cần dạng truong=gia_tri.",
                                f"--set {pair!r}: use field=value.")
        out[key.strip()] = value.strip()
    return out


@decisions_app.command("recheck")
def recheck(year: Year, household: Annotated[str, typer.Option("--household")], date: Day,
            set_: Annotated[list[str] | None, typer.Option(
                "--set", help="Sửa câu trả lời: truong=gia_tri, hoặc 3.truong=gia_tri cho "
                "thành viên số 3 (lặp lại được)")] = None,
            post_date: Annotated[str | None, typer.Option(
                "--post-date", help="Ngày niêm yết kết quả phúc tra (mặc định: --date)")] = None,
            note: str = "", month: Month = None, store: Store = None,
            profile: ProfileOpt = None, by: By = None) -> None:
    """Phúc tra: phân loại lại theo câu trả lời đã sửa, niêm yết kết quả thêm 3 ngày."""
    with _Session(store, profile, by) as s:
        _done(s.d.recheck(_review_id(year, month), household, date, s.actor,
                          corrections=_corrections(set_), posting_starts_on=post_date,
                          note=note))


@decisions_app.command("return")
def return_list(year: Year, commune: Commune, date: Day,
                reason: Annotated[str, typer.Option("--reason", help="Lý do trả lại")],
                village: Village = None, month: Month = None, store: Store = None,
                profile: ProfileOpt = None, by: By = None) -> None:
    """Huyện trả lại danh sách của xã để sửa (district returns a list)."""
    with _Session(store, profile, by) as s:
        _done(s.d.return_for_correction(_review_id(year, month), s.commune(commune), date,
                                        reason, s.actor, village=village))


@decisions_app.command("report")
def report(year: Year, commune: Commune, date: Day, village: Village = None,
           month: Month = None, store: Store = None, profile: ProfileOpt = None,
           by: By = None) -> None:
    """Báo cáo Chủ tịch UBND xã các hộ đã hết thời gian niêm yết (Phụ lục VI)."""
    with _Session(store, profile, by) as s:
        _done(s.d.report(_review_id(year, month), s.commune(commune), date, s.actor,
                         village=village))


@decisions_app.command("decide")
def decide(year: Year, commune: Commune, date: Day,
           number: Annotated[str, typer.Option("--number", help="Số quyết định")] = "",
           signer: Annotated[str, typer.Option("--signer", help="Người ký")] = "",
           refuse: Annotated[list[str] | None, typer.Option(
               "--refuse", help="Không công nhận: ma_ho=lý do (lặp lại được)")] = None,
           refusal_number: Annotated[str, typer.Option("--refusal-number")] = "",
           village: Village = None, month: Month = None, store: Store = None,
           profile: ProfileOpt = None, by: By = None) -> None:
    """Ghi quyết định của Chủ tịch UBND xã (Mẫu 02) hoặc văn bản không công nhận."""
    with _Session(store, profile, by) as s:
        _done(s.d.decide(_review_id(year, month), s.commune(commune), date, s.actor,
                         number=number, signer=signer, refusals=_corrections(refuse),
                         refusal_number=refusal_number, village=village))


@decisions_app.command("certify")
def certify(year: Year, commune: Commune, date: Day, village: Village = None,
            household: Annotated[list[str] | None, typer.Option("--household")] = None,
            month: Month = None, store: Store = None, profile: ProfileOpt = None,
            by: By = None) -> None:
    """Cấp giấy chứng nhận hộ nghèo, cận nghèo (Mẫu 03)."""
    with _Session(store, profile, by) as s:
        _done(s.d.certify(_review_id(year, month), s.commune(commune), date, s.actor,
                          village=village, household_ids=household))


@decisions_app.command("documents")
def documents(year: Year, commune: Commune,
              kind: Annotated[str, typer.Option(
                  "--kind", help="appendix_i | appendix_v | appendix_vi | mau_02 | mau_03 | "
                  "posting_notice")],
              fmt: Annotated[str, typer.Option("--format", help="pdf | docx")] = "pdf",
              village: Village = None,
              household: Annotated[str | None, typer.Option("--household")] = None,
              out: Annotated[Path, typer.Option("--out")] = Path("output/decisions"),
              month: Month = None, store: Store = None, profile: ProfileOpt = None) -> None:
    """In giấy tờ: Phụ lục I, V, VI, Mẫu 02, Mẫu 03, thông báo niêm yết (PDF, DOCX)."""
    from konray_review.decisions import documents as docs

    with _Session(store, profile, None) as s:
        name, data = docs.render(s.d, kind, fmt, _review_id(year, month), s.commune(commune),
                                 village=village, household_id=household)
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)
    typer.echo(f"Đã ghi (written): {out / name}")


@decisions_app.command("templates")
def templates(out: Annotated[Path, typer.Option(
        "--out", help="Thư mục, ví dụ <hồ sơ huyện>/documents")],
        overwrite: bool = typer.Option(False, "--overwrite")) -> None:
    """Ghi các mẫu DOCX mặc định để huyện sửa (write the default DOCX templates)."""
    from konray_review.decisions.documents.builder import write_templates

    written = write_templates(out, overwrite=overwrite)
    typer.echo(f"{len(written)} mẫu (templates) trong {out}")


@decisions_app.command("next-year")
def next_year(year: Year, out: Annotated[Path, typer.Option(
        "--out", help="Tệp danh sách (.csv hoặc .parquet) cho forms build --households")],
        all_categories: bool = typer.Option(
            False, "--all-categories", help="Mọi hộ đã rà soát, không chỉ hộ nghèo, cận nghèo"),
        allow_preliminary: bool = typer.Option(False, "--allow-preliminary"),
        store: Store = None, profile: ProfileOpt = None) -> None:
    """Danh sách hộ cho năm sau từ danh sách đã công nhận năm nay (next year's list)."""
    from konray_review.decisions.recognised import next_year_list
    from konray_review.schema import CATEGORIES

    with _Session(store, profile, None) as s:
        frame = next_year_list(s.store, year, include=CATEGORIES if all_categories
                               else ("poor", "near_poor"), allow_preliminary=allow_preliminary)
    if frame.empty:  # an empty list would build next year's forms with no household to pick
        _fail(f"Năm {year} không có hộ nào trong danh sách (chưa có kết quả rà soát trong kho?); "
              f"không ghi {out}.\nNo household on {year}'s list (no review in the store?); "
              f"{out} not written.")
    from konray_review.forms.household_list import write_household_list

    write_household_list(frame, out)
    typer.echo(f"{len(frame)} hộ (households) -> {out}\n"
               f"Tiếp theo (next): konray-review forms build --year {year + 1} "
               f"--households {out}")


@decisions_app.command("write-back")
def write_back(year: Year, to: Annotated[str, typer.Option("--to", help="central | kobo")],
               config: Annotated[Path | None, typer.Option("--config")] = None,
               form: Annotated[str | None, typer.Option("--form")] = None,
               month: Month = None, store: Store = None, profile: ProfileOpt = None) -> None:
    """Đánh dấu phiếu của hộ đã công nhận là "approved" trên máy chủ (nếu hồ sơ cho phép)."""
    from konray_review.decisions.writeback import write_back_recognised
    from konray_review.sources.cli import make_source

    with _Session(store, profile, None) as s:
        source = make_source(to, config=config, form=form, profile=profile)
        outcome = write_back_recognised(s.d, _review_id(year, month), source)
    typer.echo(f"Đã đánh dấu (approved): {outcome['sent']}; đã có từ trước (already): "
               f"{outcome['already']}; lỗi (failed): {outcome['failed']}"
               + (f"; {outcome['reason']}" if outcome.get("reason") else ""))
