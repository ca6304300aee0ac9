"""``konray-review scale …``: write a large synthetic review, run it partitioned (Dask)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

scale_app = typer.Typer(
    help="Quy mô lớn: dữ liệu Parquet phân vùng, chạy trên Dask (large reviews on Dask).",
    no_args_is_help=True,
)

Profile = Annotated[str | None, typer.Option("--profile", help="Hồ sơ huyện / district profile")]


@scale_app.command("generate")
def generate_cmd(
    households: Annotated[int, typer.Option("--households", "-n", help="Số hộ / households")],
    out: Annotated[Path, typer.Option("--out", help="Thư mục đích / output folder")],
    year: Annotated[int | None, typer.Option(
        "--year", help="Năm rà soát (mặc định: năm đang rà soát) / review year")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    bad_share: Annotated[float, typer.Option(
        "--bad-share", help="Tỷ lệ hồ sơ lỗi / share of bad records")] = 0.02,
    chunk_size: Annotated[int, typer.Option(
        "--chunk-size", help="Số hộ mỗi phần / households per chunk")] = 200_000,
    profile: Profile = None,
) -> None:
    """Sinh dữ liệu tổng hợp, ghi Parquet phân vùng (synthetic review, partitioned Parquet)."""
    from konray_review.profile import load_profile
    from konray_review.scale.generate import generate_partitioned
    from konray_review.settings import Settings

    year = Settings().review_year(year, profile)  # refused before any work
    s = generate_partitioned(households, out, year=year, seed=seed, bad_share=bad_share,
                             chunk_size=chunk_size, profile=load_profile(profile))
    typer.echo(f"Đã ghi / written: {s.households} hộ / households, {s.members} thành viên / "
               f"members, {s.partitions} phân vùng / partitions -> {out}")


@scale_app.command("run")
def run_cmd(
    input_dir: Annotated[Path, typer.Option(
        "--input", help="Thư mục Parquet phân vùng / partitioned input folder")],
    year: Annotated[int, typer.Option("--year", help="Năm rà soát / review year")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Thư mục kết quả (mặc định --input) / output folder")] = None,
    dask_address: Annotated[str | None, typer.Option(
        "--dask-address", help="Cụm Dask có sẵn / existing scheduler, tcp://host:8786")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", help="Số worker Dask cục bộ, 0 = một máy / local workers")] = 0,
    engine: Annotated[str, typer.Option(
        "--engine", help="Kiểm tra dữ liệu: gx | pandas / validation engine")] = "gx",
    batch_households: Annotated[int | None, typer.Option(
        "--batch-households", help="Số hộ mỗi tác vụ Dask (mặc định: tự chia đều) / "
        "households per Dask task (default: spread over the workers)")] = None,
    prefect: Annotated[bool, typer.Option(
        "--prefect", help="Chạy qua flow Prefect (lưu lịch sử) / run as the Prefect flow "
        "(run history; slower start)")] = False,
    profile: Profile = None,
) -> None:
    """Kiểm tra, phân loại, tổng hợp theo phân vùng (validate, classify, aggregate).

    Không có --dask-address hay --workers: chạy trên một máy (the embedded default).
    --dask-address: on that cluster; --workers N: on a new local cluster of N processes;
    --prefect: through the Prefect flow (``flows/scale.py``) instead of Dask directly.
    """
    from konray_review.profile import load_profile

    out = out or input_dir
    if (dask_address or workers > 0) and prefect:
        from konray_review.scale.flow import run_flow
        from konray_review.scale.run import BATCH_HOUSEHOLDS

        summary = run_flow(input_dir, out, year=year, profile=profile, engine=engine,
                           dask_address=dask_address, workers=max(workers, 1),
                           batch_households=batch_households or BATCH_HOUSEHOLDS)
    elif dask_address or workers > 0:
        from konray_review.scale.cluster import run_dask

        summary, info = run_dask(input_dir, out, year=year, profile=profile, engine=engine,
                                 dask_address=dask_address, workers=max(workers, 1),
                                 batch_households=batch_households)
        typer.echo(f"Cụm Dask / cluster {info.address}: {info.workers} worker, sẵn sàng sau "
                   f"/ ready in {info.start_seconds:.1f} s")
    else:
        from konray_review.scale.single import run_single

        summary = run_single(input_dir, out, year=year,
                             profile=load_profile(profile) if profile else None, engine=engine)
    typer.echo(summary.text())
    for key in summary.failed:
        typer.echo(f"Phân vùng lỗi, đã cách ly / failed partition quarantined: {key}", err=True)
    if summary.failed:
        raise typer.Exit(code=2)
