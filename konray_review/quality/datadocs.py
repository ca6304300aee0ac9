"""Data Docs that work offline: GX's CDN links rewritten to copies inside the site.

Why: Great Expectations' Data Docs templates load Bootstrap, Font Awesome, bootstrap-table,
jQuery and Vega from CDNs; in a district office without internet the pages show unstyled
and nearly empty. The same files are vendored through npm (``expectations/datadocs/
package.json``, ``make datadocs-assets``; ``node_modules`` is never committed), copied into
``<site>/static/vendor/`` after GX has built the docs, and every ``<link>``/``<script>``/
``<img>`` that pointed at a CDN is rewritten to the local copy (relative, so the folder can
be moved or zipped). Ordinary ``<a href>`` links to greatexpectations.io are left alone:
they are navigation, not something the page needs to render.

Missing assets (npm never run): in strict mode (``CI`` set, as in tests/strict.py) that is
an error; otherwise the CDN links stay and a warning says why.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR = Path("static") / "vendor"
#: CDN address in GX 1.24's templates -> file under node_modules (package.json pins versions)
ASSETS: dict[str, str] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap/dist/js/bootstrap.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "@fortawesome/fontawesome-free/css/all.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table/dist/bootstrap-table.min.js",
    # GX links the 1.19.0 extension CSS next to the 1.19.1 table: one copy (1.19.1) serves both
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    # GX names popper 1.12.9; Bootstrap 4.3.1 asks for ^1.14.7 (its npm peer range)
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js/dist/umd/popper.min.js",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}
#: GX's own logo, loaded from its S3 bucket; the site's static/images/ has a copy
GX_WEB_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
GX_LOGO = "logo-long.png"
#: folders a CSS file reaches by relative url(...) (Font Awesome's ../webfonts/)
EXTRA_DIRS = ("@fortawesome/fontawesome-free/webfonts",)
_TAG = re.compile(r"<(?:link|script|img)\b[^>]*>", re.IGNORECASE)
_URL = re.compile(r"""(\b(?:href|src)\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
_CSS_URL = re.compile(r"""(url\(\s*)(["']?)(https?://[^"')]+)\2""", re.IGNORECASE)


class DataDocsAssetError(RuntimeError):
    """A Data Docs asset is missing or unknown (strict mode)."""


def assets_dir() -> Path | None:
    """``KONRAY_DATADOCS_ASSETS`` (a node_modules folder), else the repository's copy."""
    env = os.environ.get("KONRAY_DATADOCS_ASSETS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "expectations" / "datadocs" / "node_modules"
    return here if here.is_dir() else None


def missing_assets(source: Path | None) -> list[str]:
    """The vendored files (and folders) not found under ``source``."""
    wanted = [*ASSETS.values(), *EXTRA_DIRS]
    if source is None:
        return sorted(set(wanted))
    return sorted({w for w in wanted if not (source / w).exists()})


def strict() -> bool:
    """Strict mode as the test suite defines it (``CI`` set to anything but ""/0/false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def localise(site: str | os.PathLike[str], source: Path | None = None, *,
             strict_mode: bool | None = None) -> int:
    """Copy the assets into ``site`` and rewrite CDN asset links in its HTML; returns the
    number of links rewritten. Safe to run again on the same site."""
    site = Path(site)
    source = source if source is not None else assets_dir()
    strict_mode = strict() if strict_mode is None else strict_mode
    missing = missing_assets(source)
    if missing:
        msg = (f"Data Docs assets not found ({len(missing)} missing, e.g. {missing[0]}) under "
               f"{source or 'expectations/datadocs/node_modules'}: run `make datadocs-assets` "
               "(npm ci in expectations/datadocs) or set KONRAY_DATADOCS_ASSETS")
        if strict_mode:
            raise DataDocsAssetError(msg)
        log.warning("%s; the Data Docs keep their CDN links (unstyled offline)", msg)
        return 0
    assert source is not None
    _copy(source, site / VENDOR)
    rewritten = 0
    unknown: set[str] = set()

    def local(url: str, where: Path) -> str | None:
        """The relative path, from ``where``, of the local copy of ``url`` (None: unknown)."""
        if url in ASSETS:
            target = site / VENDOR / ASSETS[url]
        elif url.startswith(GX_WEB_ASSETS):
            name = url[len(GX_WEB_ASSETS):].split("?", 1)[0]
            target = site / "static" / "images" / name
            if not target.is_file():  # e.g. full_logo_dark.png: GX ships no copy
                target = site / "static" / "images" / GX_LOGO
        else:
            return None
        return Path(os.path.relpath(target, where)).as_posix()

    def sub(pattern: re.Pattern[str], text: str, where: Path) -> str:
        def one(u: re.Match[str]) -> str:
            nonlocal rewritten
            rel = local(u.group(3), where)
            if rel is None:
                unknown.add(u.group(3))
                return u.group(0)
            rewritten += 1
            return f"{u.group(1)}{u.group(2)}{rel}{u.group(2)}"
        return pattern.sub(one, text)

    files = [(p, True) for p in site.rglob("*.html")]
    files += [(p, False) for p in site.rglob("*.css") if VENDOR.as_posix() not in p.as_posix()]
    for path, is_html in files:
        text = path.read_text(encoding="utf-8")
        if is_html:
            where = path.parent

            def html_tag(m: re.Match[str], where: Path = where) -> str:
                return _fix_static(site, sub(_URL, m.group(0), where), where)

            new = _TAG.sub(html_tag, text)
        else:
            new = sub(_CSS_URL, text, path.parent)
        if new != text:
            path.write_text(new, encoding="utf-8")
    if unknown:
        msg = f"Data Docs load assets this module does not vendor: {sorted(unknown)}"
        if strict_mode:
            raise DataDocsAssetError(msg)
        log.warning(msg)
    return rewritten


_LOCAL = re.compile(r"""(\b(?:href|src)\s*=\s*)(["'])((?:\.\./)*static/[^"']+)\2""")


def _fix_static(site: Path, tag: str, where: Path) -> str:
    """GX 1.24 counts one folder too few on validation pages (``../../../static/...`` from
    four levels down): point a ``static/`` link that does not resolve at the site's copy."""
    def one(m: re.Match[str]) -> str:
        link = m.group(3)
        if (where / link).exists():
            return m.group(0)
        target = site / link[link.index("static/"):]
        if not target.exists():
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{Path(os.path.relpath(target, where)).as_posix()}" \
               f"{m.group(2)}"
    return _LOCAL.sub(one, tag)


def _copy(source: Path, dest: Path) -> None:
    for rel in ASSETS.values():
        _copy_file(source / rel, dest / rel)
    for folder in EXTRA_DIRS:
        for f in (source / folder).iterdir():
            _copy_file(f, dest / folder / f.name)


def _copy_file(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
