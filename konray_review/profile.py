"""District profiles: the units, villages, targets and standard overrides of one district.

The hierarchy is data (province -> [district] -> commune -> village). A profile without a
district level (after the 2025 reform) must load. Unit names are matched after Unicode NFC
normalisation, case folding and the spelling variants the profile lists ("Đăk" / "Đắk").
"""

from __future__ import annotations

import os
import unicodedata
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from konray_review.standards import Label, Sourced, StandardError, _data_dir

if TYPE_CHECKING:  # pandas loads with the village list: a command's start stays fast
    import pandas as pd

DEFAULT_PROFILE = "kon-ray"


class Unit(BaseModel):
    """A commune-level unit (xã, phường, thị trấn, or a post-2025 merged xã)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    kind: Literal["xa", "phuong", "thi_tran", "dac_khu"]
    area: Literal["rural", "urban"]
    code: str | None = None
    aliases: list[str] = Field(default_factory=list)

    @property
    def slug(self) -> str:
        """ASCII code used as an XLSForm choice name (``Đăk Tơ Lung`` -> ``dak_to_lung``)."""
        return self.code or slugify(self.name)


#: Viet Nam's one time zone: the default of ``Profile.timezone`` and the zone of code that
#: has no profile at hand (the one place it is written)
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))
    id: str
    name: Label
    province: str
    district: str | None = None
    district_code: str | None = None
    province_code: str | None = None  # first 3 digits of citizen ID numbers (CCCD)
    b1_region: str | None = None
    #: the district's own data files (relative to this profile's folder), replacing the
    #: shipped B1 table of ``b1_region`` and the standard's Phiếu A signs
    b1_table: str | None = None
    phieu_a_signs: str | None = None
    units: list[Unit]
    villages_csv: str
    villages_are_sample: bool = False
    villages_source: str = ""  # where the village list comes from (shown with its status)
    main_ethnic_groups: list[str] = Field(default_factory=list)
    baseline: dict[int, dict[str, Sourced]] = Field(default_factory=dict)
    targets: dict[int, dict[str, Sourced]] = Field(default_factory=dict)
    reporting: dict[str, str] = Field(default_factory=dict)
    #: the annual review of year Y runs from ``start`` to ``end`` (MM-DD) of year Y, in the
    #: district's time zone; its result is the list for Y+1 (QĐ 24/2021: 1 Sep – 14 Dec).
    #: ``konray_review.settings`` derives the default review year from it.
    review_window: dict[str, str] = Field(
        default_factory=lambda: {"start": "09-01", "end": "12-14"})
    #: the district's time zone (IANA name): "today", the review window and dates shown
    timezone: str = DEFAULT_TIMEZONE
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    directory: str = ""

    @property
    def unit_names(self) -> list[str]:
        return [u.name for u in self.units]

    def unit(self, name: str) -> Unit:
        canon = self.canonical_unit(name)
        if canon is None:
            raise KeyError(name)
        return next(u for u in self.units if u.name == canon)

    def canonical_unit(self, name: str) -> str | None:
        """The profile's spelling of a unit name, or None when it is not a unit here."""
        return self._aliases.get(normalise_name(name))

    @cached_property
    def _aliases(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for u in self.units:
            for variant in [u.name, *u.aliases]:
                # "Đắk" and "Đăk" are the same place in official spelling variants
                for v in (variant, variant.replace("Đắk", "Đăk"), variant.replace("Đăk", "Đắk")):
                    out[normalise_name(v)] = u.name
        return out

    def area_of(self) -> dict[str, str]:
        return {u.name: u.area for u in self.units}

    def villages(self) -> pd.DataFrame:
        """Villages (``commune,village``) with commune names in the profile's spelling."""
        path = Path(self.directory) / self.villages_csv
        import pandas as pd

        df = pd.read_csv(path, dtype=str, encoding="utf-8").fillna("")
        missing = {"commune", "village"} - set(df.columns)
        if missing:
            raise StandardError(f"{path}: missing columns {sorted(missing)}")
        canon = df["commune"].map(lambda c: self.canonical_unit(c))
        bad = df.loc[canon.isna(), "commune"].unique().tolist()
        if bad:
            raise StandardError(f"{path}: communes not in profile {self.id}: {bad}")
        df["commune"] = canon
        df["village"] = df["village"].map(lambda v: unicodedata.normalize("NFC", v.strip()))
        slugs = {u.name: u.slug for u in self.units}
        df["commune_code"] = df["commune"].map(slugs)
        df["village_code"] = df["commune_code"] + "__" + df["village"].map(slugify)
        dup = df.loc[df["village_code"].duplicated(), ["commune", "village"]]
        if len(dup):
            raise StandardError(f"{path}: duplicate villages: {dup.to_dict('records')}")
        return df

    def unit_by_slug(self, slug: str) -> Unit:
        for u in self.units:
            if u.slug == slug:
                return u
        raise KeyError(slug)

    def total_label(self, lang: str = "vi") -> str:
        """Label of the whole-area total row: the district when there is one, else the area."""
        if self.district:
            return "Toàn huyện" if lang == "vi" else "District total"
        return "Toàn địa bàn" if lang == "vi" else "Area total"

    def target(self, year: int, name: str) -> float | None:
        t = self.targets.get(int(year), {}).get(name)
        return None if t is None else t.value


def slugify(name: str) -> str:
    """Lower-case ASCII identifier of a Vietnamese name: marks dropped, đ -> d, spaces -> _."""
    text = unicodedata.normalize("NFD", str(name).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    return "_".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def normalise_name(name: str) -> str:
    """NFC, case-folded, whitespace-collapsed form used to match unit names."""
    text = unicodedata.normalize("NFC", str(name)).casefold()
    return " ".join(text.split())


def profiles_dir() -> Path:
    return _data_dir() / "profiles"


def load_profile(ref: str | os.PathLike[str] | None = None) -> Profile:
    """Load a profile by id (shipped), by folder or YAML path, or from ``KONRAY_PROFILE``."""
    ref = ref or os.environ.get("KONRAY_PROFILE") or DEFAULT_PROFILE
    path = Path(ref)
    return _load_profile(str(path.resolve()) if path.exists() else str(ref))


@cache
def _load_profile(ref: str) -> Profile:
    path = Path(ref).resolve() if Path(ref).exists() else Path(ref)
    if not path.exists():
        path = profiles_dir() / ref
    if path.is_dir():
        path = path / "profile.yaml"
    if not path.exists():
        raise StandardError(f"district profile {ref!r} not found")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["directory"] = str(path.parent)
    try:
        return Profile.model_validate(raw)
    except ValueError as exc:
        raise StandardError(f"{path}: invalid district profile: {exc}") from exc
