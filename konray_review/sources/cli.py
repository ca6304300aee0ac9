"""``konray-review forms deploy`` and ``konray-review pull``: thin wrappers over the sources.

Registered in ``konray_review/cli.py``. Heavy imports happen inside the commands. Output is
counts and ids only: no names, no ID numbers, no secrets.
"""

from __future__ import annotations

import os
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Server(StrEnum):
    central = "central"
    kobo = "kobo"


class From(StrEnum):
    central = "central"
    kobo = "kobo"
    files = "files"
    demo = "demo"


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def make_source(kind: str, *, path: Path | None = None, config: Path | None = None,
                form: str | None = None, profile: str | None = None, demo_n: int = 500,
                demo_seed: int = 0, demo_year: int = 2023):
    """The configured source (``central``/``kobo`` read the servers file or environment)."""
    from konray_review.profile import load_profile
    from konray_review.sources import config as cfg

    prof = load_profile(profile)
    if kind == "central":
        from konray_review.sources.central import CentralSource

        return CentralSource(cfg.load_central(config), form_id=form, profile=prof)
    if kind == "kobo":
        from dataclasses import replace

        from konray_review.sources.kobo import KoboSource

        conf = cfg.load_kobo(config)
        return KoboSource(replace(conf, asset_uid=form) if form else conf, profile=prof)
    if kind == "files":
        from konray_review.sources.files import FilesSource

        if path is None:
            _fail("cần đường dẫn tệp hoặc thư mục (PATH required for --from files)")
        return FilesSource(path, profile=prof, form=form)
    from konray_review.sources.demo import DemoSource

    return DemoSource(demo_n, year=demo_year, seed=demo_seed, profile=prof)


def deploy(
    xlsx: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="XLSForm (.xlsx) từ `forms build`")],
    to: Annotated[Server, typer.Option("--to", help="central hoặc kobo")],
    attachment: Annotated[list[Path] | None, typer.Option(
        "--attachment", "-a", exists=True, help="tệp đính kèm (CSV), lặp lại được")] = None,
    households: Annotated[Path | None, typer.Option(
        "--households", exists=True,
        help="danh sách hộ năm trước (.parquet/.csv) -> Entity list 'households'")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="tệp servers.toml")] = None,
    form: Annotated[str | None, typer.Option(
        "--form", help="form id (Central) / asset uid (KoBo)")] = None,
) -> None:
    """Triển khai biểu mẫu lên ODK Central hoặc KoBoToolbox (deploy a form)."""
    from konray_review.sources.http import SourceError

    try:
        entity = _read_table(households) if households else None
        source = make_source(to.value, config=config, form=form)
        result = source.deploy_form(xlsx, list(attachment or []), entity_list=entity)
    except (SourceError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"Đã triển khai {result.form_id} phiên bản {result.version} "
               f"({'mới' if result.created else 'cập nhật'}); đính kèm: "
               f"{', '.join(result.attachments) or '-'}; hộ trong danh sách: {result.entities}")
    if result.url:
        typer.echo(f"Liên kết: {result.url}")


def pull(
    source: Annotated[From, typer.Option("--from", help="central | kobo | files | demo")],
    path: Annotated[Path | None, typer.Argument(
        help="với --from files: .csv.zip, .xlsx, thư mục")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="thư mục kết quả (mặc định $KONRAY_HOME/pulled hoặc output/pulled)")
    ] = None,
    since: Annotated[datetime | None, typer.Option(
        "--since", help="lấy từ thời điểm (ISO)")] = None,
    full: Annotated[bool, typer.Option("--full", help="lấy lại toàn bộ (bỏ qua mốc)")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="tệp servers.toml")] = None,
    form: Annotated[str | None, typer.Option(
        "--form", help="form id (Central) / asset uid (KoBo)")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="hồ sơ huyện")] = None,
    demo_n: Annotated[int, typer.Option("--demo-households", help="số hộ (demo)")] = 500,
    demo_seed: Annotated[int, typer.Option("--demo-seed")] = 0,
) -> None:
    """Lấy phiếu về bảng hộ/thành viên chuẩn (pull submissions into the canonical tables)."""
    from konray_review.sources.http import SourceError
    from konray_review.sources.normalise import NormaliseError
    from konray_review.sources.pull import pull_into
    from konray_review.sources.state import FileStateStore

    out = out or default_pull_dir()
    try:
        src = make_source(source.value, path=path, config=config, form=form, profile=profile,
                          demo_n=demo_n, demo_seed=demo_seed)
        store = FileStateStore(out / ".state")
        report = pull_into(src, store, since=since, full=full)
    except (SourceError, NormaliseError, ValueError) as exc:
        _fail(str(exc))
    write_tables(store, out)
    if len(report.problems):
        report.problems.to_csv(out / "problems.csv", index=False)
    typer.echo(report.summary_vi())
    typer.echo(f"Bảng: {out / 'households.parquet'}, {out / 'members.parquet'} (+ .csv)")


def default_pull_dir() -> Path:
    """``$KONRAY_HOME/pulled``, else ``output/pulled`` (git-ignored), like the store's home."""
    return Path(os.environ.get("KONRAY_HOME", "output")) / "pulled"


def write_tables(store, out: Path) -> None:
    """Every committed row (deleted ones flagged ``deleted``) as Parquet and CSV."""
    households, members = store.load()
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("households", households), ("members", members)):
        frame.to_parquet(out / f"{name}.parquet", index=False)
        frame.to_csv(out / f"{name}.csv", index=False, encoding="utf-8")


def _read_table(path: Path):
    import pandas as pd

    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False)
