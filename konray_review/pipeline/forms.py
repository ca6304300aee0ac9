"""Build the review year's forms and deploy them to the server (``forms deploy``, the
``deploy_forms`` flow).

Why the attachments come from the XForm: a form is only usable on the phones when every
file it declares (``jr://file-csv/villages.csv``, the ``households.csv`` list, media) is on
the server, and ODK Central happily publishes a form whose attachment is missing. So the
deploy reads what each built XForm declares and refuses, before any upload, when a file is
neither in the build folder nor replaced by the Entity list.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pandas as pd

from konray_review.profile import Profile
from konray_review.sources.http import SourceError

HOUSEHOLDS_SLOT = "households.csv"


class DeployError(SourceError):
    """The year's forms cannot be deployed as built; the message names the file."""


def build_forms(year: int, profile: Profile, out_dir: Path) -> list[tuple[Path, list[Path]]]:
    """Every form of the year, written to ``out_dir``: ``(xlsx path, attachment paths)``."""
    from konray_review.forms.build import build_all, write_built

    built = []
    for form in build_all(year, profile):
        paths = write_built(form, out_dir)
        attachments = [out_dir / name for name in form.attachments]
        built.append((paths[0], attachments))
    return built


def declared_attachments(xform: Path) -> list[str]:
    """File names the XForm needs on the server: external instances (``jr://file/``,
    ``jr://file-csv/``) and media in labels (``jr://images/`` …), in document order."""
    names: dict[str, None] = {}
    for el in ET.parse(xform).iter():
        refs = [el.get("src") or ""]
        if el.tag.rsplit("}", 1)[-1] == "value" and el.text:
            refs.append(el.text.strip())
        for ref in refs:
            if ref.startswith("jr://") and not ref.startswith("jr://instance/"):
                names.setdefault(ref.rsplit("/", 1)[-1], None)
    return list(names)


def year_forms(year: int, build_dir: Path, *, entity_list: bool = False
               ) -> list[tuple[Path, list[Path]]]:
    """``(xlsx, attachments)`` of every form of ``year`` in ``build_dir``, checked: each
    form is built and every attachment its XForm declares is there (``households.csv``
    may come from the Entity list instead). Nothing is uploaded when one is missing."""
    from konray_review.forms.source import FORMS
    from konray_review.sources.forms_of_year import form_id_of_year

    out = []
    for form in FORMS:
        form_id = form_id_of_year(year, form)
        xlsx, xml = build_dir / f"{form_id}.xlsx", build_dir / f"{form_id}.xml"
        for path in (xlsx, xml):
            if not path.is_file():
                raise DeployError(
                    f"chưa dựng biểu mẫu: không thấy {path}; chạy `konray-review forms build "
                    f"--year {year}` trước (form not built: {path} missing)")
        files = []
        for name in declared_attachments(xml):
            if name == HOUSEHOLDS_SLOT and entity_list:
                continue
            if not (build_dir / name).is_file():
                raise DeployError(
                    f"{form_id}: biểu mẫu cần tệp đính kèm {name} nhưng không thấy "
                    f"{build_dir / name}; không công bố (the form declares attachment {name}, "
                    f"missing from {build_dir}; nothing was published)")
            files.append(build_dir / name)
        out.append((xlsx, files))
    return out


def deploy_year(source: Any, year: int, build_dir: Path,
                households: pd.DataFrame | None = None) -> list[Any]:
    """Deploy every form of ``year`` from ``build_dir`` with all its attachments; with
    ``households`` (last year's list) Central gets it as the Entity list behind
    ``households.csv`` (KoBo as that media file). Returns one ``DeployResult`` per form."""
    forms = year_forms(year, build_dir, entity_list=households is not None)
    slots = [HOUSEHOLDS_SLOT in declared_attachments(x.with_suffix(".xml")) for x, _ in forms]
    if households is not None and not any(slots):
        raise DeployError(
            f"biểu mẫu trong {build_dir} được dựng không có danh sách hộ: chạy lại `konray-"
            f"review forms build --year {year} --households <tệp>` với cùng danh sách (the "
            f"forms were built without a household list; rebuild with --households)")
    return [source.deploy_form(xlsx, files, entity_list=households if slot else None)
            for (xlsx, files), slot in zip(forms, slots, strict=True)]


def deploy_form(source: Any, xlsx: Path, attachments: list[Path]) -> dict[str, Any]:
    """Publish one form (new version when it changed); the source decides how."""
    result = source.deploy_form(xlsx, attachments)
    return {"form_id": result.form_id, "version": result.version, "url": result.url,
            "created": result.created, "changed": result.changed}
