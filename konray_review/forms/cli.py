"""``konray-review forms ...``: build (forms work) and deploy (sources work) sub-commands."""

from __future__ import annotations

import typer

forms_app = typer.Typer(
    help="Phiếu khảo sát: dựng và triển khai biểu mẫu (build and deploy forms).",
    no_args_is_help=True)


@forms_app.command("build")
def build(
    year: int = typer.Option(None, "--year", help="Năm rà soát (review year); default: this year."),
    out: str = typer.Option(None, "--out", help="Thư mục kết quả; default build/forms/<year>/."),
    profile: str = typer.Option(None, "--profile",
                                help="Hồ sơ huyện (district profile id or path)."),
    src: str = typer.Option(None, "--src", help="Thư mục nguồn biểu mẫu; default: forms/."),
    households: str = typer.Option(
        None, "--households", help="Danh sách hộ năm trước (CSV/Parquet: household_id, "
        "head_name, village, …) -> households.csv; không có thì nhập mã hộ."),
) -> None:
    """Dựng Phiếu A và Phiếu B (XLSX + XForm + CSV), kiểm tra bằng ODK Validate.

    Builds both questionnaires for the review year's standard; any pyxform or ODK Validate
    warning fails the build.
    """
    from datetime import date
    from pathlib import Path

    from konray_review.forms.build import FormBuildError, build_all, write_built
    from konray_review.forms.household_list import read_household_list
    from konray_review.profile import load_profile

    year = year or date.today().year
    out_dir = Path(out) if out else Path("build") / "forms" / str(year)
    try:
        listed = read_household_list(Path(households)) if households else None
        built = build_all(year, load_profile(profile), Path(src) if src else None,
                          household_list=listed)
    except (FormBuildError, ValueError) as exc:
        typer.echo(f"Lỗi dựng biểu mẫu (form build failed): {exc}", err=True)
        raise typer.Exit(1) from exc
    for form in built:
        paths = write_built(form, out_dir)
        typer.echo(f"{form.form_id} version {form.version}: " + ", ".join(str(p) for p in paths))


@forms_app.command("docs")
def docs(
    path: str = typer.Option("docs/forms.md", "--path", help="Trang tài liệu cần cập nhật."),
) -> None:
    """Cập nhật bảng câu hỏi trong docs/forms.md (regenerate the question tables)."""
    from pathlib import Path

    from konray_review.forms.docs import reference_section, replace_section

    target = Path(path)
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    target.write_text(replace_section(text, reference_section(2023, 2027)), encoding="utf-8")
    typer.echo(f"updated {target}")
