"""``konray-review forms ...``: build (forms work) and deploy (sources work) sub-commands."""

from __future__ import annotations

import typer

forms_app = typer.Typer(
    help="Phiếu khảo sát: dựng và triển khai biểu mẫu (build and deploy forms).",
    no_args_is_help=True)


@forms_app.command("build")
def build(
    year: int = typer.Option(None, "--year", help="Năm rà soát (review year); mặc định: đợt "
                             "đang hoặc sắp diễn ra (default: the review in progress or next)."),
    out: str = typer.Option(None, "--out", help="Thư mục kết quả; default build/forms/<year>/."),
    profile: str = typer.Option(None, "--profile",
                                help="Hồ sơ huyện (district profile id or path)."),
    src: str = typer.Option(None, "--src", help="Thư mục nguồn biểu mẫu; default: forms/."),
    households: str = typer.Option(
        None, "--households", help="Danh sách hộ năm trước (tệp của `forms households`, "
        "CSV/Parquet: household_id, head_name, village, …) -> households.csv; không có thì "
        "nhập mã hộ."),
) -> None:
    """Dựng Phiếu A và Phiếu B (XLSX + XForm + CSV), kiểm tra bằng ODK Validate.

    Builds both questionnaires for the review year's standard; any pyxform or ODK Validate
    warning fails the build.
    """
    from pathlib import Path

    from konray_review.settings import Settings

    settings = Settings()
    year = settings.review_year(year, profile, "upcoming")  # refused before any work
    from konray_review.forms.build import FormBuildError, build_form, write_built
    from konray_review.forms.household_list import read_household_list
    from konray_review.forms.source import FORMS
    from konray_review.progress import steps, terminal_reporter, use

    prof = settings.load_profile(profile)
    out_dir = Path(out) if out else Path("build") / "forms" / str(year)
    listed = read_household_list(Path(households)) if households else None
    built = []
    try:
        with terminal_reporter() as reporter, use(reporter), \
                steps("forms", len(FORMS), f"Dựng biểu mẫu {year} (build forms)") as step:
            for form in FORMS:
                built.append(build_form(form, year, prof, Path(src) if src else None,
                                        True, listed))
                step()
    except (FormBuildError, ValueError) as exc:
        typer.echo(f"Lỗi dựng biểu mẫu (form build failed): {exc}", err=True)
        raise typer.Exit(1) from exc
    for done in built:
        paths = write_built(done, out_dir)
        typer.echo(f"{done.form_id} version {done.version}: " + ", ".join(str(p) for p in paths))


@forms_app.command("households")
def households(
    year: int = typer.Option(None, "--year", help="Năm rà soát đã xong (the finished review "
                             "year); mặc định: đợt đã bắt đầu gần nhất (the latest begun)."),
    out: str = typer.Option(None, "--out", help="Tệp kết quả .csv/.parquet; mặc định "
                            "$KONRAY_HOME/households-<year>.csv (output/households-<year>.csv)."),
    store: str = typer.Option(None, "--store", help="URL kho (store URL)."),
    profile: str = typer.Option(None, "--profile", help="Hồ sơ huyện (district profile)."),
) -> None:
    """Danh sách hộ nghèo, cận nghèo của một năm cho biểu mẫu năm sau (the year's list).

    Recognised households when the decisions are recorded, else the classified poor and
    near-poor: the file `forms build --households` and `forms deploy --households` take.
    """
    from pathlib import Path

    from konray_review.settings import Settings

    settings = Settings()
    year = settings.review_year(year, profile)  # refused before any work
    from konray_review.decisions.recognised import next_year_list
    from konray_review.store import Store

    target = Path(out) if out else settings.home / f"households-{year}.csv"
    st = Store(settings.store(store))
    try:
        frame = next_year_list(st, year, allow_preliminary=True)
    finally:
        st.dispose()
    if frame.empty:
        typer.echo(f"Năm {year} chưa có hộ nào được phân loại trong kho: chạy `konray-review "
                   f"run --source … --year {year}` trước (no classified households for {year} "
                   "in the store: run the review first)", err=True)
        raise typer.Exit(1)
    from konray_review.forms.household_list import write_household_list

    basis = frame["category_basis"].value_counts()
    write_household_list(frame, target)
    typer.echo(f"{len(frame)} hộ (households) -> {target}: đã công nhận (recognised) "
               f"{int(basis.get('recognised', 0))}, sơ bộ (classified, no decision yet) "
               f"{int(basis.get('preliminary', 0))}")
    typer.echo(f"Tiếp theo (next): konray-review forms build --year {year + 1} "
               f"--households {target}")


@forms_app.command("docs")
def docs(
    path: str = typer.Option("docs/forms.md", "--path", help="Trang tài liệu cần cập nhật."),
) -> None:
    """Cập nhật bảng câu hỏi trong docs/forms.md (regenerate the question tables)."""
    from pathlib import Path

    from konray_review.forms.docs import documented_years, reference_section, replace_section

    target = Path(path)
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    target.write_text(replace_section(text, reference_section(*documented_years())),
                      encoding="utf-8")
    typer.echo(f"updated {target}")
