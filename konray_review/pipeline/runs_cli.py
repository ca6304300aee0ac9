"""``konray-review runs``: the run log, newest first, with what became of every row.

Before listing, runs whose process died are marked ``failed`` (``runlog.fail_stale_runs``),
so a run killed half-way never shows as ``running`` forever. ``--run RUN_ID`` shows one
run's accounting per file and what its readers refused or noted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # pandas loads inside the command (start-up stays fast)
    import pandas as pd

#: column -> Vietnamese heading (``LEGEND`` gives the English)
HEADINGS = {
    "run_id": "Mã lần chạy", "review_year": "Năm", "source": "Nguồn",
    "started_at": "Bắt đầu (giờ địa phương)", "status": "Trạng thái",
    "stage": "Bước", "delivered": "Giao", "accepted": "Hợp lệ", "quarantined": "Cách ly",
    "refused": "Từ chối", "message": "Ghi chú",
}
LEGEND = ("Mã lần chạy = run id, Năm = review year, Nguồn = source, Bắt đầu = started, "
          "Trạng thái = status, Bước = stage reached, Giao = delivered, Hợp lệ = accepted, "
          "Cách ly = quarantined, Từ chối = refused, Ghi chú = note")
STATUS_VI = {"running": "đang chạy", "succeeded": "xong", "failed": "thất bại"}
STAGE_VI = {"done": "xong", "start": "bắt đầu", "pull": "kéo phiếu", "validate": "kiểm tra",
            "classify": "phân loại", "store": "lưu kho", "publish": "xuất",
            "write_back": "báo lỗi về máy chủ"}


#: below this terminal width the runs are printed one block each instead of as a table
WIDE = 120


def runs_table(frame: pd.DataFrame, timezone: str = "UTC") -> pd.DataFrame:
    """The run log as shown: Vietnamese status words, start in the district's time zone
    (the store keeps UTC), the first line of the note."""
    import pandas as pd

    out = frame.reindex(columns=list(HEADINGS)).copy()
    out["status"] = out["status"].map(lambda s: STATUS_VI.get(s, s))
    started = pd.to_datetime(out["started_at"], utc=True)
    out["started_at"] = started.dt.tz_convert(timezone).dt.strftime("%Y-%m-%d %H:%M")
    out["stage"] = out["stage"].map(lambda s: STAGE_VI.get(s, s) if isinstance(s, str) else "")
    out["message"] = out["message"].fillna("").astype(str).str.split("\n").str[0].str[:90]
    return out.rename(columns=HEADINGS)


def runs(
    year: Annotated[int | None, typer.Option("--year", help="Năm rà soát (review year)")] = None,
    store: Annotated[str | None, typer.Option("--store", help="URL kho (store URL)")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Số lần chạy (how many)")] = 20,
    run: Annotated[str | None, typer.Option("--run", help="Chi tiết một lần chạy (one run)")
                   ] = None,
) -> None:
    """Danh sách các lần chạy; lần chạy có tiến trình đã chết được đánh dấu thất bại
    (list runs; runs whose process died are marked failed)."""
    from rich.console import Console
    from rich.table import Table

    from konray_review.pipeline.runlog import fail_stale_runs
    from konray_review.store import Store, StoreError

    console = Console()
    try:
        st = Store(store)
        try:
            marked = fail_stale_runs(st)
            frame = st.list_runs(year)
            detail = st.read_accounting(run) if run else None
        finally:
            st.dispose()
    except StoreError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    for run_id in marked:
        console.print(f"Đánh dấu thất bại (tiến trình đã dừng): {run_id} "
                      "(marked failed: its process died)")
    if run:
        _one(console, frame[frame["run_id"] == run], detail)
        return
    if frame.empty:
        console.print("Chưa có lần chạy nào (no runs yet).")
        return
    from konray_review.profile import load_profile

    shown = runs_table(frame.head(limit), load_profile().timezone)
    if console.width < WIDE:  # an office terminal: 80 columns, one block per run
        for block in run_blocks(shown):
            console.print(block)
        console.print("giao = delivered, hợp lệ = accepted, cách ly = quarantined, "
                      "từ chối = refused", style="dim")
        return
    table = Table(title="Các lần chạy (runs)")
    for col in shown.columns:
        table.add_column(col, no_wrap=col == HEADINGS["run_id"])
    for row in shown.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    console.print(table)
    console.print(LEGEND, style="dim")


def run_blocks(shown: pd.DataFrame) -> list[str]:
    """One short block per run (a handful of runs: a loop over runs, not households)."""
    h = HEADINGS
    blocks = []
    for r in shown.to_dict("records"):
        lines = [f"{_cell(r[h['run_id']])} · năm {_cell(r[h['review_year']])} · "
                 f"{_cell(r[h['source']])} · {_cell(r[h['status']])}",
                 f"  bắt đầu {_cell(r[h['started_at']])} (giờ địa phương) · bước "
                 f"{_cell(r[h['stage']])}",
                 f"  giao {_cell(r[h['delivered']])} = hợp lệ {_cell(r[h['accepted']])} + "
                 f"cách ly {_cell(r[h['quarantined']])} + từ chối {_cell(r[h['refused']])}"]
        if _cell(r[h["message"]]):
            lines.append(f"  ghi chú (note): {_cell(r[h['message']])}")
        blocks.append("\n".join(lines))
    return blocks


def _cell(value: object) -> str:
    import pandas as pd

    missing = value is None or (not isinstance(value, str)
                                and bool(pd.isna(value)))  # type: ignore[call-overload]
    return "" if missing else str(value)


def _one(console: Any, row: pd.DataFrame, detail: tuple[pd.DataFrame, pd.DataFrame] | None
         ) -> None:
    from rich.table import Table

    from konray_review.pipeline.summary import ACCOUNTING_LEGEND, accounting_table

    if row.empty:
        typer.secho("Không có lần chạy này (no such run).", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    r = row.iloc[0]
    console.print(f"{r['run_id']}: {STATUS_VI.get(r['status'], r['status'])} "
                  f"({r['status']}), bước (stage) "
                  f"{STAGE_VI.get(str(r.get('stage')), r.get('stage')) or '-'}")
    if isinstance(r.get("message"), str) and r["message"]:
        console.print(r["message"])
    files, findings = detail if detail is not None else (row.iloc[:0], row.iloc[:0])
    if len(files):
        shown = accounting_table(files)
        table = Table(title="Kết quả theo tệp (per file)")
        for c in shown.columns:
            table.add_column(c)
        for f in shown.itertuples(index=False):
            table.add_row(*[str(v) for v in f])
        console.print(table)
        console.print(ACCOUNTING_LEGEND, style="dim")
    for f in findings.itertuples(index=False):
        console.print(f"{f.rule_id} {f.file}: {f.message_vi}")
