"""``konray-review forms deploy`` and ``konray-review pull``: thin wrappers over the sources.

Registered in ``konray_review/cli.py``. Heavy imports happen inside the commands. Output is
counts and ids only: no names, no ID numbers, no secrets.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer


class Server(StrEnum):
    central = "central"
    kobo = "kobo"


class From(StrEnum):
    central = "central"
    kobo = "kobo"
    files = "files"
    demo = "demo"


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def make_source(kind: str, *, path: Path | None = None, config: Path | None = None,
                form: str | None = None, profile: str | None = None, demo_n: int = 500,
                demo_seed: int = 0, demo_year: int | None = None, year: int | None = None):
    """The configured source (``central``/``kobo`` read the servers file or environment).

    The server's form is ``form`` when given, else the form of ``year`` (``phieu_b_<year>``
    on Central; on KoBo the asset with that form's title)."""
    from konray_review.profile import load_profile
    from konray_review.sources import config as cfg

    prof = load_profile(profile)
    if kind == "central":
        from konray_review.sources.central import CentralSource

        return CentralSource(cfg.load_central(config), form_id=form, year=year, profile=prof)
    if kind == "kobo":
        from konray_review.sources.kobo import KoboSource

        return KoboSource(cfg.load_kobo(config), asset_uid=form, year=year, profile=prof)
    if kind == "files":
        from konray_review.sources.files import FilesSource

        if path is None:
            _fail("cần đường dẫn tệp hoặc thư mục (PATH required for --from files)")
        return FilesSource(path, profile=prof, form=form)
    from konray_review.sources.demo import DemoSource

    demo_year = demo_year or year
    if demo_year is None:
        from konray_review.settings import resolve_year

        demo_year = resolve_year(None, prof)
    return DemoSource(demo_n, year=demo_year, seed=demo_seed, profile=prof)


def echo_retry(event) -> None:
    """Show each retry on stderr as it happens (counts and paths only)."""
    typer.secho(f"  ↻ {event.text()}", fg=typer.colors.YELLOW, err=True)


def deploy(
    to: Annotated[Server, typer.Option("--to", help="central hoặc kobo")],
    year: Annotated[int | None, typer.Option(
        "--year", help="Năm rà soát (review year); mặc định: đợt đang hoặc sắp diễn ra "
        "(default: the review in progress or next)")] = None,
    build_dir: Annotated[Path | None, typer.Option(
        "--dir", help="Thư mục biểu mẫu đã dựng; mặc định build/forms/<năm>/")] = None,
    households: Annotated[Path | None, typer.Option(
        "--households", exists=True, dir_okay=False,
        help="Danh sách hộ năm trước (.csv/.parquet) -> Entity list 'households' (Central)")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="tệp servers.toml")] = None,
) -> None:
    """Đưa mọi biểu mẫu của năm lên máy chủ, kèm mọi tệp đính kèm (deploy the year's forms).

    Reads the forms `forms build` wrote (Phiếu A and B, villages.csv, households.csv) and
    publishes each with every attachment its XForm declares. An unchanged form is not
    published again; a changed one becomes a new version.
    """
    from konray_review.settings import Settings

    settings = Settings()  # read once here, passed down
    year = settings.review_year(year, None, "upcoming")  # refused before any work
    config = config or settings.servers_file
    from konray_review.forms.household_list import read_household_list
    from konray_review.pipeline.forms import deploy_year
    from konray_review.sources.http import SourceError, retry_scope

    folder = build_dir or Path("build") / "forms" / str(year)
    try:
        listed = read_household_list(households) if households else None
        source = make_source(to.value, config=config, year=year)
        with retry_scope("deploy", source.config.http.stage_budget, on_retry=echo_retry):
            results = deploy_year(source, year, folder, listed)
    except (SourceError, ValueError) as exc:
        _fail(str(exc))
    for r in results:
        if not r.changed:
            typer.echo(f"{r.form_id}: không đổi, giữ phiên bản {r.version} (unchanged, not "
                       f"published again); hộ trong danh sách: {r.entities}")
            continue
        typer.echo(f"{r.form_id}: đã công bố phiên bản {r.version} "
                   f"({'mới' if r.created else 'phiên bản mới'}); đính kèm: "
                   f"{', '.join(r.attachments) or '-'}; hộ trong danh sách: {r.entities}")
        if r.url:
            typer.echo(f"  Liên kết (link): {r.url}")


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
    year: Annotated[int | None, typer.Option(
        "--year", help="Năm rà soát: chọn biểu mẫu của năm (default: the latest begun)")
    ] = None,
    form: Annotated[str | None, typer.Option(
        "--form", help="form id (Central) / asset uid (KoBo), thay cho biểu mẫu của năm")
    ] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="hồ sơ huyện")] = None,
    demo_n: Annotated[int, typer.Option("--demo-households", help="số hộ (demo)")] = 500,
    demo_seed: Annotated[int, typer.Option("--demo-seed")] = 0,
) -> None:
    """Lấy phiếu về bảng hộ/thành viên chuẩn (pull submissions into the canonical tables)."""
    from konray_review.settings import Settings

    settings = Settings()  # read once here, passed down
    year = settings.review_year(year, profile)  # refused before any work
    config = config or settings.servers_file
    from konray_review.sources.http import SourceError, retry_scope
    from konray_review.sources.normalise import NormaliseError
    from konray_review.sources.pull import pull_into
    from konray_review.sources.state import FileStateStore

    out = out or settings.home / "pulled"
    try:
        src = make_source(source.value, path=path, config=config, form=form, profile=profile,
                          demo_n=demo_n, demo_seed=demo_seed, year=year)
        store = FileStateStore(out / ".state")
        http = getattr(getattr(src, "config", None), "http", None)
        with retry_scope("pull", getattr(http, "stage_budget", None), on_retry=echo_retry):
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
    from konray_review.settings import Settings

    return Settings().home / "pulled"


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
