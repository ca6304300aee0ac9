"""The run log: a text file per run, safe failure messages, and runs whose process died.

* ``<out>/<year>/<run_id>.log`` (beside the run's output folder) holds the stages with
  their times, the accounting of every delivered file, what was refused or noted and, when
  the run fails, the error's detail. It never holds a name, an ID number or a value from a
  submission: messages are built from counts, file names, rule ids and field names, and
  error texts are scrubbed (``store.errors.scrub``).
* :func:`failure_lines` gives the one or two lines (Vietnamese, English) a user sees and
  ``runs.message`` keeps.
* :func:`fail_stale_runs`: a run still ``running`` whose process is gone (killed, the
  machine restarted) is marked ``failed`` with the stage it had reached, by the next run
  and by ``konray-review runs``. On the same machine the process id is checked; a run of
  another machine is stale once it has not reported progress for ``KONRAY_STALE_HOURS``
  (default 12) hours.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger("konray_review.run")

STAGE_VI = {
    "start": "bắt đầu", "pull": "kéo phiếu", "validate": "kiểm tra chất lượng",
    "classify": "phân loại", "store": "lưu kho", "publish": "xuất danh sách, báo cáo",
    "write_back": "báo lỗi về máy chủ",
}
#: errors whose text is ours (built from counts, files, fields and rule ids)
_OWN = ("SourceError", "NormaliseError", "QualityError", "ReconciliationError",
        "StoreError", "CatalogueError", "StandardError", "FormSourceError", "NotSupported",
        "ProfileError", "ValueError")


def log_path(out_root: Path, year: int, run_id: str) -> Path:
    return Path(out_root) / str(year) / f"{run_id}.log"


@contextmanager
def run_log(path: Path) -> Iterator[Path]:
    """Everything the library logs during the run also goes to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                           "%Y-%m-%dT%H:%M:%S"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger("konray_review")
    old_level = root.level
    root.addHandler(handler)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


def failure_lines(exc: BaseException, stage: str | None) -> tuple[str, str]:
    """(Vietnamese, English) lines for a failed run: what stopped it, at which stage."""
    from konray_review.store.errors import StoreError, scrub

    where_vi = STAGE_VI.get(stage or "", stage or "?")
    if isinstance(exc, StoreError):
        return f"Bước «{where_vi}»: {exc.vi}", f"Stage {stage}: {exc.en}"
    if isinstance(exc, KeyboardInterrupt):
        return (f"Lần chạy bị dừng ở bước «{where_vi}» (người dùng ngắt).",
                f"The run was interrupted at stage {stage}.")
    name = type(exc).__name__
    text = scrub(" ".join(str(exc).split()))[:400]
    if name in _OWN or any(c.__name__ in _OWN for c in type(exc).__mro__):
        return f"Bước «{where_vi}»: {text}", f"Stage {stage}: {name}"
    return (f"Bước «{where_vi}» bị lỗi ({name}); xem nhật ký lần chạy.",
            f"Stage {stage} failed ({name}: {text}).")


def failure_detail(exc: BaseException) -> str:
    """What the log keeps of a failure: the chain of error classes and scrubbed texts and
    where in the code (file:line), never the values of local variables."""
    import traceback

    from konray_review.store.errors import scrub

    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 5:
        detail = getattr(seen, "detail", "") or str(seen)
        frames = traceback.extract_tb(seen.__traceback__)[-3:]
        where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames))
        parts.append(f"{type(seen).__name__}: {scrub(' '.join(detail.split()))[:600]}"
                     f" [{where}]")
        seen = None if seen.__suppress_context__ else (seen.__cause__ or seen.__context__)
    return " | caused by ".join(parts)


# --- stale runs ------------------------------------------------------------------------------
def this_process() -> tuple[str, int]:
    return socket.gethostname(), os.getpid()


def _stale_after() -> timedelta:
    try:
        return timedelta(hours=float(os.environ.get("KONRAY_STALE_HOURS", "12")))
    except ValueError:
        return timedelta(hours=12)


def _process_started(pid: int) -> datetime | None:
    """When a process started (Linux ``/proc``); None where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(stat[19])
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text()
                    .splitlines() if line.startswith("btime"))
        return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), UTC)
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def process_alive(pid: int, started_at: datetime) -> bool:
    """Is ``pid`` the process that started a run at ``started_at`` (not a reused pid)?"""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's
    began = _process_started(int(pid))
    if began is None:
        return True
    started = started_at if started_at.tzinfo else started_at.replace(tzinfo=UTC)
    return began <= started + timedelta(seconds=5)


def stale_runs(runs: pd.DataFrame, *, now: datetime | None = None) -> pd.DataFrame:
    """The ``running`` runs whose process is gone."""
    if runs.empty:
        return runs
    running = runs[runs["status"] == "running"]
    if running.empty:
        return running
    host, _ = this_process()
    now = now or datetime.now(UTC)
    limit = now - _stale_after()
    dead = []
    row: Any
    for row in running.itertuples(index=False):  # running runs: a handful at most
        started = pd.Timestamp(row.started_at).to_pydatetime()
        started = started if started.tzinfo else started.replace(tzinfo=UTC)
        beat = getattr(row, "heartbeat_at", None)
        beat = pd.Timestamp(beat).to_pydatetime() if beat is not None and pd.notna(beat) \
            else started
        beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
        pid: Any = getattr(row, "pid", None)
        local = getattr(row, "host", None) == host and pid is not None and pd.notna(pid)
        gone = not process_alive(int(pid), started) if local else beat < limit
        dead.append(gone)
    return running[dead]


def fail_stale_runs(store: Any, *, now: datetime | None = None) -> list[str]:
    """Mark every stale run ``failed`` with the stage it had reached; returns their ids."""
    stale = stale_runs(store.list_runs(), now=now)
    marked: list[str] = []
    row: Any
    for row in stale.itertuples(index=False):
        stage = getattr(row, "stage", None) or "start"
        where = STAGE_VI.get(stage, stage)
        message = (f"Tiến trình chạy đã dừng đột ngột ở bước «{where}» (bị tắt hoặc máy khởi "
                   f"động lại); kết quả của lần chạy này không đầy đủ — hãy chạy lại.\n"
                   f"The run's process died during stage {stage}; its outputs are "
                   f"incomplete — run again.")
        store.finish_run(row.run_id, "failed", message=message)
        _mark_folder(getattr(row, "output_dir", None), message)
        log.warning("lần chạy %s bị đánh dấu thất bại: tiến trình đã dừng ở bước %s "
                    "(stale run marked failed)", row.run_id, stage)
        marked.append(str(row.run_id))
    return marked


def _mark_folder(output_dir: object, message: str) -> None:
    """A died run's output folder says it is incomplete (it has no manifest)."""
    if not isinstance(output_dir, str) or not output_dir:
        return
    folder = Path(output_dir)
    if folder.is_dir() and not (folder / "manifest.json").exists():
        (folder / "KHONG_HOAN_TAT.txt").write_text(message + "\n", encoding="utf-8")
