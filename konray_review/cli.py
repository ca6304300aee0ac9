"""The ``konray-review`` command line. Thin: parse options, call library functions.

Start-up must stay under half a second (``docs/benchmarks.md``): the sub-commands live in
their areas' modules and are imported only when that command runs (``LazyGroup``), and
their one-line help for ``konray-review --help`` is kept here, so the root help imports
none of them (``tests/flows/test_cli.py`` checks the lines match the commands' docstrings).

Every error a user can meet prints one or two plain lines, Vietnamese then English, and
exits non-zero (``konray_review.errors``); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

#: name -> (loader "module:attribute", one-line help). The attribute is a ``typer.Typer``
#: (a group) or a command function. Keep alphabetical; areas add one line each.
LAZY: dict[str, tuple[str, str]] = {
    "decisions": ("konray_review.decisions.cli:decisions_app",
                  "Sau khảo sát: họp thôn, niêm yết, khiếu nại, quyết định (steps after the "
                  "survey)."),
    "demo": ("konray_review.pipeline.cli:demo",
             "Chạy thử toàn bộ quy trình với dữ liệu giả lập (full review on synthetic "
             "data)."),
    "forms": ("konray_review.cli:_forms_app",
              "Phiếu khảo sát: dựng và triển khai biểu mẫu (build and deploy forms)."),
    "pull": ("konray_review.sources.cli:pull",
             "Lấy phiếu về bảng hộ/thành viên chuẩn (pull submissions into the canonical "
             "tables)."),
    "report": ("konray_review.pipeline.cli:report",
               "Báo cáo 6 tháng / cả năm theo ngày (half-year or annual district report)."),
    "run": ("konray_review.pipeline.cli:run",
            "Chạy rà soát: kéo phiếu → kiểm tra → phân loại → lưu → xuất (run the review "
            "job)."),
    "runs": ("konray_review.pipeline.runs_cli:runs",
             "Danh sách các lần chạy; lần chạy có tiến trình đã chết được đánh dấu thất bại "
             "(list runs; runs whose process died are marked failed)."),
    "scale": ("konray_review.scale.cli:scale_app",
              "Quy mô lớn: dữ liệu Parquet phân vùng, chạy trên Dask (large reviews on "
              "Dask)."),
    "serve": ("konray_review.portal.cli:serve",
              "Chạy cổng thông tin (run the web portal). Production: see docs/portal.md."),
    "users": ("konray_review.portal.cli:users_app",
              "Tài khoản cổng thông tin (portal accounts)."),
}


def _forms_app() -> typer.Typer:
    """``forms`` (build: forms work) plus ``forms deploy`` (sources work)."""
    from konray_review.forms.cli import forms_app
    from konray_review.sources.cli import deploy

    if not any(c.name == "deploy" for c in forms_app.registered_commands):
        forms_app.command("deploy")(deploy)
    return forms_app


def load_command(name: str) -> Any:
    """The click command behind ``name``, importing its module now."""
    target, _ = LAZY[name]
    module, attr = target.split(":")
    obj = getattr(importlib.import_module(module), attr)
    if attr.startswith("_"):  # a factory (``_forms_app``)
        obj = obj()
    if isinstance(obj, typer.Typer):
        obj.rich_markup_mode = None  # plain help and usage errors, like the root's
        group = typer.main.get_group(obj)
        group.name = name
        return group
    single = typer.Typer(rich_markup_mode=None)
    single.command(name)(obj)
    return typer.main.get_command(single)


class LazyGroup(TyperGroup):
    """A Typer group whose sub-commands are imported only when one of them runs."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*self.commands, *LAZY})

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in LAZY:
            return None
        if self._listing:  # the root help: a stand-in carrying the one-line help
            import click

            return click.Command(cmd_name, help=LAZY[cmd_name][1] or None)
        self.commands[cmd_name] = load_command(cmd_name)
        return self.commands[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        from konray_review.errors import handle

        try:
            return super().invoke(ctx)
        except Exception as exc:  # every error ends here, in plain words
            handle(exc, debug=bool(ctx.params.get("debug")) or _debug_requested())
            raise  # handle() exits; this line is for type checkers


def _vietnamese_usage_errors() -> None:
    """A mistyped option (a missing ``--to``, ``--year abc``) is reported by click itself, in
    English: put one Vietnamese line before click's text (which names the option)."""
    from typer.core import _click as click  # the click that typer ships and raises

    english = click.exceptions.UsageError.show
    if getattr(english, "_konray", False):
        return

    def show(self: Any, file: Any = None) -> None:
        command = self.ctx.command_path if self.ctx is not None else "konray-review"
        click.echo(f"Câu lệnh chưa đúng (thiếu tuỳ chọn hoặc giá trị sai): xem «{command} "
                   "--help».", file=file, err=True)
        english(self, file)

    show._konray = True  # type: ignore[attr-defined]
    click.exceptions.UsageError.show = show  # type: ignore[method-assign]


_vietnamese_usage_errors()


def _debug_requested() -> bool:
    import os
    import sys

    return "--debug" in sys.argv[1:3] or os.environ.get("KONRAY_DEBUG") == "1"


app = typer.Typer(
    name="konray-review",
    cls=LazyGroup,
    rich_markup_mode=None,  # plain help: rich's help renderer alone costs ~0.3 s of start-up
    help="Rà soát hộ nghèo, hộ cận nghèo — annual review of poor and near-poor households.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug",
                               help="In chi tiết lỗi (traceback) — show the traceback on errors."),
) -> None:
    """Rà soát hộ nghèo, hộ cận nghèo (annual poverty review)."""


def main() -> None:
    """Console entry point (``konray-review``)."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
