"""``konray-review run | report | demo``: the review job from the command line.

``run`` and ``demo`` call the plain pipeline by default: no Prefect server needed, and no
~11–25 s start-up of Prefect's temporary server. ``run --prefect`` (the default when
``PREFECT_API_URL`` points at a server) runs the same job as the ``review`` flow, so it
shows up in the Prefect UI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer

STAGE_LABELS = {
    "pull": "Kéo phiếu (pull)", "validate": "Kiểm tra chất lượng (validate)",
    "classify": "Phân loại (classify)", "store": "Lưu kho (store)",
    "publish": "Xuất danh sách, báo cáo (publish)", "write_back": "Báo lỗi về máy chủ (write-back)",
    "decisions": "Họp thôn, niêm yết, quyết định (decisions)",
}



if TYPE_CHECKING:
    from konray_review.quality.validate import Engine

def checks_engine(value: str) -> Engine:
    """``--checks``: the data-quality engine, refused in two plain lines when unknown."""
    from konray_review.errors import UserError

    if value in ("gx", "pandas"):
        return cast("Engine", value)
    raise UserError(f"--checks {value!r} không hợp lệ: dùng gx hoặc pandas.",
                    f"--checks {value!r} is not valid: use gx or pandas.")


def _start_checks(engine: str) -> None:
    """Start the GX worker now (``quality.gx_process``): its import of Great Expectations
    (about 4 s of one core) then runs while this process sets up and pulls."""
    if engine == "gx":
        from konray_review.quality import gx_process

        gx_process.start()


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


class StageProgress:
    """The run's stages as "Bước k/n" with a spinner and, where a stage counts its work
    (``konray_review.progress``), a bar with done/total; a line with its time when it ends.
    Quiet when stderr is not a terminal (logs, cron)."""

    STAGES = ("pull", "validate", "classify", "store", "publish", "write_back")

    def __init__(self, extra: tuple[str, ...] = ()) -> None:
        from konray_review.progress import terminal_reporter, use

        self.reporter = terminal_reporter()
        self.reporter.__enter__()
        self._scope = use(self.reporter)
        self._scope.__enter__()
        self.order = [*self.STAGES, *extra]
        self.current: str | None = None

    def __call__(self, stage: str) -> None:
        self._done()
        self.current = stage
        k = self.order.index(stage) + 1 if stage in self.order else len(self.order)
        self.reporter.start(f"stage:{stage}", f"Bước {k}/{len(self.order)}: "
                            f"{STAGE_LABELS.get(stage, stage)}", None)

    def _done(self) -> None:
        if self.current is not None:
            self.reporter.finish(f"stage:{self.current}")
            self.current = None

    def close(self) -> None:
        self._done()
        self._scope.__exit__(None, None, None)
        self.reporter.__exit__(None, None, None)


def _print_outcome(outcome: Any) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from konray_review.pipeline.summary import SUMMARY_LEGEND, terminal_summary

    shown, caption = terminal_summary(outcome.summary)
    table = Table(title=f"Rà soát {outcome.year} — {outcome.run_id}", box=box.SIMPLE_HEAD,
                  caption=caption, title_justify="left", caption_justify="left")
    for col in shown.columns:
        table.add_column(col, justify="left" if col == "Xã" else "right", no_wrap=col == "Xã")
    for row in shown.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console = Console(width=min(Console().width, 80))
    console.print(table)
    console.print(SUMMARY_LEGEND, style="dim", highlight=False)
    console.print(f"Nhận {outcome.received} = hợp lệ {outcome.accepted} + cách ly "
                  f"{outcome.quarantined} (received = accepted + quarantined)", highlight=False)
    _print_accounting(console, outcome)
    wb = outcome.write_back
    if wb.get("reason"):
        console.print(f"Không báo lỗi về máy chủ: {wb['reason']}", highlight=False)
    else:
        console.print(f"Đã báo lỗi về máy chủ: {wb.get('flagged', 0)} phiếu, "
                      f"{wb.get('commented', 0)} ghi chú; duyệt {wb.get('approved', 0)} phiếu "
                      f"(flagged, comments, approved)", highlight=False)


def _print_accounting(console: Any, outcome: Any) -> None:
    """What became of every delivered row, per file; refused files and notes by name."""
    from rich.table import Table

    from konray_review.pipeline.summary import ACCOUNTING_LEGEND, accounting_table

    acc = outcome.accounting
    if acc is None:
        return
    console.print(f"{acc.line_vi()} ({acc.line_en()})")
    if len(acc.files) > 1 or acc.refused or acc.total("older") or acc.total("deleted"):
        shown = accounting_table(acc.files)
        table = Table(title="Theo tệp (per file)")
        for col in shown.columns:
            table.add_column(col, justify="left" if col in ("Tệp", "Biểu mẫu") else "right")
        for row in shown.itertuples(index=False):
            table.add_row(*[str(v) for v in row])
        console.print(table)
        console.print(ACCOUNTING_LEGEND, style="dim")
    for f in acc.refusals.itertuples(index=False):
        console.print(f"{f.file}: {f.message_vi}", style="red",
                      markup=False, highlight=False)
    for f in acc.notes.itertuples(index=False):
        console.print(f"Lưu ý (note) {f.rule_id} {f.file}: {f.message_vi}", markup=False,
                      highlight=False)
    if getattr(outcome, "log_path", None):
        console.print(f"Nhật ký lần chạy (run log): {outcome.log_path}", highlight=False)


def _default_out() -> Path:
    from konray_review.settings import Settings

    return Settings().home


def run_plain(source_kind: str, path: str | None, *, year: int, out: Path,
              store_url: str | None, profile_ref: str | None, demo_households: int,
              write_back: bool, quality_engine: str, approve_accepted: bool = False) -> Any:
    from konray_review.pipeline import make_source, run_review
    from konray_review.profile import load_profile
    from konray_review.store import Store

    profile = load_profile(profile_ref)
    source = make_source(source_kind, path, year=year, profile=profile,
                         n_households=demo_households)
    store = Store(store_url)
    progress = StageProgress()
    try:
        return run_review(source, year=year, store=store, out_root=out, profile=profile,
                          progress=progress, write_back=write_back,
                          quality_engine=checks_engine(quality_engine),
                          approve_accepted=approve_accepted)
    finally:
        progress.close()
        store.dispose()


def run(
    source: str = typer.Option(..., "--source", help="central | kobo | files | demo (dữ liệu "
                               "tổng hợp để tập dượt / synthetic practice data)"),
    path: str = typer.Argument(None, help="Tệp hoặc thư mục (source files)"),
    year: int = typer.Option(None, "--year", help="Năm rà soát (review year); mặc định: "
                             "đợt rà soát đã bắt đầu gần nhất (default: the latest begun)"),
    out: Annotated[Path | None, typer.Option("--out", help="Thư mục kết quả (output/)")] = None,
    store: str = typer.Option(None, "--store", help="URL kho (default SQLite in output/)"),
    profile: str = typer.Option(None, "--profile", help="Hồ sơ huyện (district profile)"),
    demo_households: int = typer.Option(7400, "--demo-households"),
    prefect: bool = typer.Option(None, "--prefect/--no-prefect",
                                 help="Chạy qua Prefect (default: when PREFECT_API_URL set)"),
    write_back: bool = typer.Option(True, "--write-back/--no-write-back"),
    approve_accepted: bool = typer.Option(
        False, "--approve-accepted",
        help="Đánh dấu 'đã duyệt' trên máy chủ các phiếu đạt (mark accepted submissions "
             "approved; off by default)"),
    quality_engine: str = typer.Option("gx", "--checks", help="gx | pandas"),
) -> None:
    """Chạy rà soát: kéo phiếu → kiểm tra → phân loại → lưu → xuất (run the review job)."""
    from konray_review.settings import Settings

    settings = Settings()
    year = settings.review_year(year, profile)  # refused before any work
    _start_checks(checks_engine(quality_engine))
    from konray_review.pipeline.quarantine import ReconciliationError

    out = out or settings.home
    use_prefect = bool(os.environ.get("PREFECT_API_URL")) if prefect is None else prefect
    try:
        if use_prefect:
            result = _run_flow(source, path, year, out, store, profile, demo_households,
                               quality_engine, approve_accepted)
            typer.echo(f"Thư mục kết quả (output folder): {result['out_dir']}")
            return
        outcome = run_plain(source, path, year=year, out=out, store_url=store,
                            profile_ref=profile, demo_households=demo_households,
                            write_back=write_back, quality_engine=quality_engine,
                            approve_accepted=approve_accepted)
    except (ValueError, ReconciliationError, RuntimeError) as exc:
        _fail(f"Lỗi (error): {exc}")
    _print_outcome(outcome)
    typer.echo(f"Thư mục kết quả (output folder): {outcome.out_dir}")


def _run_flow(source: str, path: str | None, year: int, out: Path, store: str | None,
              profile: str | None, demo_households: int, quality_engine: str,
              approve_accepted: bool = False) -> dict:
    import importlib
    import sys

    repo = Path(__file__).resolve().parents[2]
    if not (repo / "flows" / "review.py").is_file():
        _fail("không tìm thấy flows/review.py (run --prefect from a repository checkout)")
    sys.path.insert(0, str(repo))
    review = importlib.import_module("flows.review").review
    return review(source=source, year=year, path=path, out=str(out), store_url=store,
                  profile=profile, demo_households=demo_households,
                  quality_engine=quality_engine, approve_accepted=approve_accepted)


def report(
    year: int = typer.Option(None, "--year", help="Năm rà soát (review year); mặc định: "
                             "đợt đã bắt đầu gần nhất (default: the latest begun)"),
    date: str = typer.Option(None, "--date", help="Ngày báo cáo YYYY-MM-DD (default today)"),
    out: Annotated[Path | None, typer.Option("--out")] = None,
    store: str = typer.Option(None, "--store"),
    profile: str = typer.Option(None, "--profile"),
) -> None:
    """Báo cáo 6 tháng / cả năm theo ngày (half-year or annual district report)."""
    from datetime import date as Date

    from konray_review.settings import Settings

    settings = Settings()
    year = settings.review_year(year, profile)  # refused before any work
    from konray_review.pipeline.report import run_report
    from konray_review.store import Store

    prof = settings.load_profile(profile)
    try:
        as_of = Date.fromisoformat(date) if date else None
    except ValueError:
        _fail(f"ngày không hợp lệ {date!r} (use YYYY-MM-DD)")
    st = Store(store)
    try:
        outcome = run_report(st, year=year, as_of=as_of, out_root=out or settings.home,
                             profile=prof)
    except ValueError as exc:
        _fail(f"Lỗi (error): {exc}")
    finally:
        st.dispose()
    typer.echo(f"Báo cáo {outcome.period_words}, số liệu đến hết ngày "
               f"{outcome.as_of:%d/%m/%Y}: {outcome.households} hộ")
    typer.echo(f"Thư mục kết quả (output folder): {outcome.out_dir}")


class _Season:
    """The demo's season after the survey, run on a thread of its own from the moment the
    run's publishing has read the decision record (``run_review(decisions_read=...)``),
    so its steps and documents use the core the list writers leave free, instead of
    starting after the whole run. Its own store (engine) on the same URL; its errors come
    out of ``result``, after the run, as before."""

    def __init__(self, url: str, year: int, profile: Any, run: Any) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.url, self.year, self.profile, self.run = url, year, profile, run
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-season")
        self.future: Any = None

    def __enter__(self) -> _Season:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True)  # never leave it writing while the command fails

    def _season(self, out_dir: Path) -> Any:
        from konray_review.store import Store

        store = Store(self.url)
        try:
            return self.run(store, year=self.year, profile=self.profile,
                            out_dir=out_dir / "decisions")
        finally:
            store.dispose()

    def start(self, out_dir: Path) -> None:
        self.future = self.pool.submit(self._season, out_dir)

    def result(self, out_dir: Path) -> Any:
        """The season (run now if publishing never called ``start``)."""
        return (self.future or self.pool.submit(self._season, out_dir)).result()


def demo(
    households: int = typer.Option(7400, "--households", help="Số hộ giả lập (synthetic)"),
    year: int = typer.Option(None, "--year", help="Năm rà soát; mặc định: đợt đã bắt đầu "
                             "gần nhất (review year; default: the latest begun)"),
    out: Annotated[Path | None, typer.Option("--out", help="Default output/demo")] = None,
    store: str = typer.Option(None, "--store", help="Default SQLite in the demo folder"),
    seed: int = typer.Option(0, "--seed"),
    quality_engine: str = typer.Option("gx", "--checks", help="gx | pandas"),
) -> None:
    """Chạy thử toàn bộ quy trình với dữ liệu giả lập (full review on synthetic data).

    Generator → kiểm tra chất lượng → phân loại → danh sách, báo cáo. Bản ghi lỗi có chủ ý
    phải nằm trong danh sách cách ly. No server needed (plain pipeline, no Prefect).
    """
    from konray_review.settings import Settings

    settings = Settings()
    year = settings.review_year(year)  # refused before any work
    engine = checks_engine(quality_engine)
    _start_checks(engine)
    profile = settings.load_profile()
    out = out or settings.home / "demo"
    store = store or f"sqlite:///{out / 'konray-review.sqlite'}"
    from konray_review.decisions.demo import run_season, season_lines
    from konray_review.pipeline import make_source, run_review
    from konray_review.store import Store

    source = make_source("demo", year=year, profile=profile, n_households=households,
                         seed=seed)
    st = Store(store)
    progress = StageProgress(extra=("decisions",))
    seasons = _Season(store, year, profile, run_season)
    try:
        with seasons:
            outcome = run_review(source, year=year, store=st, out_root=out, profile=profile,
                                 progress=progress, quality_engine=engine,
                                 decisions_read=seasons.start)
            progress("decisions")  # the season after the survey, for one commune
            season = seasons.result(outcome.out_dir)
    finally:
        progress.close()
        st.dispose()
    _print_outcome(outcome)
    import textwrap

    for line in season_lines(season):  # an office terminal is 80 columns wide
        indent = " " * (len(line) - len(line.lstrip()))
        typer.echo(textwrap.fill(line, width=80, subsequent_indent=indent + "  ",
                                 break_on_hyphens=False, break_long_words=False))
    typer.echo(f"Kho dữ liệu (store): {st.url}")  # the password hidden
    typer.echo(f"Thư mục kết quả (output folder): {outcome.out_dir}")
