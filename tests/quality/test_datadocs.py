"""Data Docs load nothing from the internet: every asset link points at a file in the site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from konray_review.quality.datadocs import ASSETS, assets_dir, localise, missing_assets
from tests.strict import missing_tool

_ASSET_TAG = re.compile(r"<(?:link|script|img)\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _need_assets() -> None:
    missing = missing_assets(assets_dir())
    if missing:
        missing_tool("Data Docs assets", f"npm ci in expectations/datadocs; missing {missing[0]}")


def test_built_data_docs_have_only_local_assets(gx_result, docs_dir):
    _need_assets()
    pages = list(Path(docs_dir).rglob("*.html"))
    assert gx_result.docs_path.is_file() and len(pages) >= 3  # index + one page per suite
    seen = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for tag in _ASSET_TAG.findall(text):
            for link in _ATTR.findall(tag):
                assert not re.match(r"(https?:)?//", link), f"{page.name}: {link}"
                if link.startswith("data:"):
                    continue
                assert (page.parent / link).resolve().is_file(), f"{page.name}: {link} missing"
                seen += 1
    assert seen > 10  # the CSS/JS really are linked (not stripped)
    for css in Path(docs_dir).rglob("*.css"):  # GX's own styles pulled a logo from S3
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", css.read_text(encoding="utf-8")), css
    css = Path(docs_dir) / "static/vendor/@fortawesome/fontawesome-free/css/all.min.css"
    fonts = re.findall(r"url\(([^)]+\.woff2)\)", css.read_text(encoding="utf-8"))
    assert fonts and all((css.parent / f).resolve().is_file() for f in fonts)


def test_every_cdn_link_of_the_gx_templates_is_vendored():
    """A GX upgrade that links a new CDN file fails here, not silently offline."""
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render/view/templates"
    found = set()
    for f in templates.rglob("*.j2"):
        for tag in _ASSET_TAG.findall(f.read_text(encoding="utf-8")):
            found |= {u for u in _ATTR.findall(tag) if u.startswith("http")}
    assert found and found <= set(ASSETS)


def test_missing_assets_fail_in_strict_mode_and_keep_links_otherwise(tmp_path):
    page = tmp_path / "index.html"
    link = '<link href="https://code.jquery.com/jquery-3.7.1.min.js">'
    page.write_text(link, encoding="utf-8")
    with pytest.raises(RuntimeError, match="make datadocs-assets"):
        localise(tmp_path, tmp_path / "nothing", strict_mode=True)
    assert localise(tmp_path, tmp_path / "nothing", strict_mode=False) == 0
    assert page.read_text(encoding="utf-8") == link
