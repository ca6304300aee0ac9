"""``konray-review forms ...``: build (forms work) and deploy (sources work) sub-commands."""

from __future__ import annotations

import typer

forms_app = typer.Typer(help="Phiếu khảo sát: dựng và triển khai biểu mẫu (build and deploy forms).",
                        no_args_is_help=True)
