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
    "started_at": "Bắt đầu (UTC)", "status": "Trạng thái",
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


def runs_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The run log as shown: Vietnamese status words, the first line of the note."""
    import pandas as pd

    out = frame.reindex(columns=list(HEADINGS)).copy()
    out["status"] = out["status"].map(lambda s: STATUS_VI.get(s, s))
    out["started_at"] = pd.to_datetime(out["started_at"]).dt.strftime("%Y-%m-%d %H:%M")
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
    shown = runs_table(frame.head(limit))
    table = Table(title="Các lần chạy (runs)")
    for col in shown.columns:
        table.add_column(col, no_wrap=col == HEADINGS["run_id"])
    for row in shown.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    console.print(table)
    console.print(LEGEND, style="dim")


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
                  f"({r['status']}), bước (stage) {r.get('stage') or '-'}")
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
