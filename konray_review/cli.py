"""The ``konray-review`` command line. Thin: parse options, call library functions.

Heavy libraries (Great Expectations, Prefect, pyxform) are imported inside the commands that
need them, so ``konray-review --help`` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="konray-review",
    help="Rà soát hộ nghèo, hộ cận nghèo — annual review of poor and near-poor households.",
    no_args_is_help=True,
    add_completion=False,
)

# --- sub-command groups registered by each area (one line each; keep alphabetical) ---------
# (areas add: app.add_typer(<their typer>, name="...") or @app.command functions below)
from konray_review.decisions.cli import decisions_app  # noqa: E402  (steps after the survey)

app.add_typer(decisions_app, name="decisions")

from konray_review.forms.cli import forms_app  # noqa: E402  (build: forms; deploy: sources)

app.add_typer(forms_app, name="forms")

from konray_review.sources.cli import deploy, pull  # noqa: E402  (sources)

forms_app.command("deploy")(deploy)
app.command("pull")(pull)

from konray_review.pipeline.cli import demo, report, run  # noqa: E402  (store + flows)

app.command("run")(run)
app.command("report")(report)
app.command("demo")(demo)

from konray_review.pipeline.runs_cli import runs  # noqa: E402  (run log, stale runs)

app.command("runs")(runs)

from konray_review.portal.cli import serve, users_app  # noqa: E402  (portal)

app.command("serve")(serve)
app.add_typer(users_app, name="users")

from konray_review.scale.cli import scale_app  # noqa: E402  (scale: partitioned runs on Dask)

app.add_typer(scale_app, name="scale")


@app.callback()
def _main() -> None:
    """Rà soát hộ nghèo, hộ cận nghèo (annual poverty review)."""


if __name__ == "__main__":  # pragma: no cover
    app()
