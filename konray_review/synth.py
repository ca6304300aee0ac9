"""Synthetic review generator: seeded, deterministic, vectorised, millions of households.

Used by the demo, the tests and the benchmarks. Households look like a Central Highlands
district: Ba Na, Xơ Đăng and Kinh heads, larger rural minority households, deprivation and
low-income rates that give a poor rate near the district's 2022 level (~17 %), and previous
categories drawn from a noisy earlier state so every kind of transition occurs. A small,
labelled share of deliberately bad records (``defects``) exercises the data-quality suites.
Names and ID numbers are invented; no real person is represented.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from konray_review.profile import Profile, load_profile
from konray_review.schema import CATEGORIES
from konray_review.standards import Standard, standard_for_year

#: the review year synthetic data describe when a caller names none: the seed plan's year
#: (2023), which the tests' hand-written answers are written for. Commands never use it:
#: they take the year from the date and the profile's window (``konray_review.settings``).
SAMPLE_YEAR = 2023

DEFECT_KINDS = (
    "age_out_of_range", "two_heads", "no_head", "roster_size_mismatch", "unknown_code",
    "negative_area", "duplicate_member_no", "missing_village", "future_submission",
    "nutrition_over_16", "duplicate_household_id",
)
#: (table, column) each defect breaks — what a data-quality rule must point at
DEFECT_COLUMNS = {
    "age_out_of_range": ("members", "age"),
    "two_heads": ("members", "relation"),
    "no_head": ("members", "relation"),
    "roster_size_mismatch": ("households", "household_size"),
    "unknown_code": ("households", "water_source"),
    "negative_area": ("households", "living_area_m2"),
    "duplicate_member_no": ("members", "member_no"),
    "missing_village": ("households", "village"),
    "future_submission": ("households", "submitted_at"),
    "nutrition_over_16": ("members", "stunted"),
    "duplicate_household_id": ("households", "household_id"),
}
_NEEDS_TWO = {"two_heads", "duplicate_member_no"}

_KINH_FAMILY = np.array(["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"])
_KINH_GIVEN = np.array(["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Minh Đức", "Thị Hoa",
                        "Văn Hùng", "Thị Lan", "Quốc Nam", "Thị Mai", "Văn Sơn", "Thị Thu"])
_MIN_FAMILY = np.array(["A", "Y", "Đinh", "Nay", "Rơ Châm", "Kpă", "Siu", "Hồ"])
_MIN_GIVEN = np.array(["Thuận", "Nhiên", "Blơi", "Hyal", "Dên", "Phiên", "Kơ", "Hlinh",
                       "Tưh", "Brứ", "Hmưu", "Xuân"])


@dataclass(frozen=True)
class SyntheticReview:
    households: pd.DataFrame
    members: pd.DataFrame
    defects: pd.DataFrame  # household_id, defect, table, column
    history: pd.DataFrame  # household_id, review_year, category: the review two years back


def generate(
    n_households: int = 7400, *, year: int = SAMPLE_YEAR, seed: int = 0,
    profile: Profile | None = None, bad_share: float = 0.02, id_offset: int = 0,
    communes: list[str] | None = None,
) -> SyntheticReview:
    """A whole review: canonical households and members plus the labelled bad records.

    ``id_offset`` and ``communes`` let large runs be generated in chunks (each chunk with its
    own seed) without id clashes.
    """
    profile = profile or load_profile()
    rng = np.random.default_rng([seed, year, id_offset])
    hh = _households(rng, n_households, year, profile, id_offset, communes)
    mem = _members(rng, hh, year, profile)
    _derive_household_fields(rng, hh, mem, standard_for_year(year, profile))
    history = _history(rng, hh, year)
    hh, mem, defects = _inject_defects(rng, hh, mem, year, bad_share)
    return SyntheticReview(hh.drop(columns=["_z"]).reset_index(drop=True),
                           mem.reset_index(drop=True), defects, history)


def _history(rng: np.random.Generator, hh: pd.DataFrame, year: int) -> pd.DataFrame:
    """The review two years back: some of last year's non-poor were poor then (re-poor cases)."""
    prev = hh["previous_category"].to_numpy()
    was_out = np.isin(prev, ["middle", "none"])
    cat = np.where(was_out & (rng.random(len(hh)) < 0.2), "poor",
                   np.where(pd.isna(prev), "none", prev))
    return pd.DataFrame({"household_id": hh["household_id"].to_numpy(),
                         "review_year": year - 2, "category": cat})


def _households(rng: np.random.Generator, n: int, year: int, profile: Profile,
                id_offset: int, communes: list[str] | None) -> pd.DataFrame:
    villages = profile.villages()
    if communes:
        villages = villages[villages["commune"].isin(communes)].reset_index(drop=True)
    area_of = profile.area_of()
    v = rng.integers(0, len(villages), n)
    commune = villages["commune"].to_numpy()[v]
    urban = pd.Series(commune).map(area_of).to_numpy() == "urban"
    # head ethnicity: Kinh more common in towns; Ba Na and Xơ Đăng dominate rural communes
    kinh_p = np.where(urban, 0.6, 0.28)
    groups = [g for g in profile.main_ethnic_groups if g != "01"] or ["12"]
    weights = np.array([0.62 / (i + 1) for i in range(len(groups))])
    pick = rng.choice(len(groups), n, p=weights / weights.sum())
    eth = np.where(rng.random(n) < kinh_p, "01", np.array(groups)[pick])
    minority = eth != "01"
    z = rng.normal(0, 1, n) + 0.75 * minority - 0.5 * urban  # latent hardship
    size = np.clip(1 + rng.poisson(np.where(minority, 3.8, 2.9)), 1, 14)
    seq = np.arange(id_offset, id_offset + n)
    vcode = villages["village_code"].to_numpy()[v]
    hid = pd.Series(vcode).str.replace("__", "-", regex=False) + "-" + _zfill(seq, 7)
    # the window in the district's local time (as the checks read it), and never past now:
    # a demo of the review in progress must not make submissions "from the future"
    start = pd.Timestamp(f"{year}-{profile.review_window['start']}", tz=profile.timezone)
    end = pd.Timestamp(f"{year}-{profile.review_window['end']}",
                       tz=profile.timezone) + pd.Timedelta(days=1)
    end = min(end, pd.Timestamp.now(tz="UTC").tz_convert(profile.timezone))
    if end <= start:  # a review not begun yet: its first day (truly future dates)
        end = start + pd.Timedelta(days=1)
    start, end = start.tz_convert("UTC"), end.tz_convert("UTC")
    span = int((end - start).total_seconds()) - 1
    # the same draw as ever (its range fixed by the window's dates, so every later draw of
    # the seeded stream stays the same), scaled into [start, end)
    drawn = int((pd.Timestamp(f"{year}-{profile.review_window['end']}")
                 - pd.Timestamp(f"{year}-{profile.review_window['start']}")).total_seconds()) - 1
    offsets = np.sort(rng.integers(0, drawn, n)) * span // drawn
    submitted = start + pd.to_timedelta(offsets, unit="s")
    reason = np.where(rng.random(n) < 0.82, "on_list", "request")
    signs = np.where(reason == "request", np.minimum(rng.binomial(9, 0.18, n), 9), -1)
    return pd.DataFrame({
        "household_id": hid.to_numpy(),
        "review_year": np.full(n, year, dtype=np.int64),
        "province": profile.province,
        "commune": commune,
        "village": villages["village"].to_numpy()[v],
        "area": np.where(urban, "urban", "rural"),
        "head_name": "",  # filled from the head member
        "head_id_number": None,
        "head_ethnicity": eth,
        "previous_category": None,
        "review_reason": reason,
        "screening_signs": pd.Series(signs, dtype="Int64").mask(signs < 0).to_numpy(),
        "household_size": size.astype(np.int64),
        "instance_id": _uuids(rng, n),
        "submitted_at": submitted,
        "enumerator": pd.Series(vcode).str.split("__").str[0].to_numpy() + "-dtv"
        + (1 + rng.integers(0, 2, n)).astype(str),
        "_z": z,
    })


def _members(rng: np.random.Generator, hh: pd.DataFrame, year: int,
             profile: Profile) -> pd.DataFrame:
    size = hh["household_size"].to_numpy()
    pos = np.repeat(np.arange(len(hh)), size)
    k = np.arange(len(pos)) - np.repeat(np.cumsum(size) - size, size)  # 0-based line
    m = len(pos)
    z = hh["_z"].to_numpy()[pos]
    eth = hh["head_ethnicity"].to_numpy()[pos]
    head_age = rng.integers(21, 78, len(hh))[pos]
    r = rng.random(m)
    relation = np.select(
        [k == 0, (k == 1) & (r < 0.85), head_age - 18 > 20 + (k - 2) * 2,
         r < 0.5],
        ["head", "spouse", "child", "grandchild"], default="parent")
    relation = np.where((k >= 2) & (relation == "parent") & (r < 0.7), "other_relative", relation)
    age = np.select(
        [relation == "head", relation == "spouse", relation == "child",
         relation == "grandchild", relation == "parent"],
        [head_age, np.clip(head_age + rng.integers(-6, 4, m), 18, 95),
         np.clip(head_age - rng.integers(18, 42, m), 0, 60),
         rng.integers(0, 14, m), np.clip(head_age + rng.integers(20, 30, m), 40, 99)],
        default=rng.integers(0, 70, m)).astype(np.int64)
    head_male = rng.random(len(hh))[pos] < 0.8
    sex = np.where(relation == "head", np.where(head_male, "male", "female"),
                   np.where(relation == "spouse", np.where(head_male, "female", "male"),
                            np.where(rng.random(m) < 0.5, "male", "female")))
    ref = pd.Timestamp(f"{year}-{profile.review_window['start']}")  # the forms' age date
    has_birth = rng.random(m) < 0.7
    birth = ref - pd.to_timedelta(age * 365.25 + rng.integers(1, 360, m), unit="D")
    birth = pd.Series(birth.normalize().date, dtype=object).where(has_birth, None)
    working = (age >= 15) & (age < 60)
    able = working & (rng.random(m) > 0.04)
    emp_r = rng.random(m)
    employment = np.where(~working, "not_in_labour_force",
                          np.where(emp_r < 0.05 + 0.04 * (z > 1), "unemployed",
                                   np.where(emp_r < 0.12, "not_in_labour_force", "employed")))
    wage = (employment == "employed") & (rng.random(m) < 0.35 - 0.1 * np.clip(z, -1, 1))
    contract = wage & (rng.random(m) < _sig(2.2 - 1.0 * z))
    dis_r = rng.random(m)
    disability = np.select([dis_r < 0.012, dis_r < 0.02, dis_r < 0.05],
                           ["very_severe", "severe", "mild"], default="none")
    child = age < 16
    stunted = pd.array(rng.random(m) < 0.08 + 0.06 * (z > 1), dtype="boolean")
    underweight = pd.array(rng.random(m) < 0.05 + 0.05 * (z > 1), dtype="boolean")
    measured = child & (rng.random(m) < 0.9)
    stunted[~measured] = pd.NA
    underweight[~measured] = pd.NA
    edu = _education(rng, age, z)
    studying = (age >= 6) & (age <= 22) & (rng.random(m) < np.where(age <= 15, 0.9, 0.35))
    school_age = (age >= 3) & (age <= 15)
    on_track = pd.array(rng.random(m) < _sig(2.6 - 0.9 * z), dtype="boolean")
    on_track[~school_age] = pd.NA
    internet = (age >= 10) & (age <= 60) & (rng.random(m) < _sig(0.6 - 1.2 * z))
    family = np.where(eth == "01", _KINH_FAMILY[rng.integers(0, 8, m)],
                      _MIN_FAMILY[rng.integers(0, 8, m)])
    given = np.where(eth == "01", _KINH_GIVEN[rng.integers(0, 12, m)],
                     _MIN_GIVEN[rng.integers(0, 12, m)])
    prefix = profile.province_code or "000"  # CCCD numbers start with the province code
    id_num = (prefix + _zfill(rng.integers(0, 10**9, m), 9)).where(age >= 14, None)
    return pd.DataFrame({
        "household_id": hh["household_id"].to_numpy()[pos],
        "member_no": (k + 1).astype(np.int64),
        "name": pd.Series(family, dtype=object) + " " + given,
        "id_number": id_num.to_numpy(),
        "sex": sex,
        "birth_date": birth.to_numpy(),
        "age": age,
        "relation": relation,
        "ethnicity": eth,
        "able_to_work": able,
        "wants_work": able & (rng.random(m) < 0.9),
        "employment": employment,
        "wage_worker": wage,
        "has_labour_contract": contract,
        "disability": disability,
        "has_health_insurance": rng.random(m) < _sig(3.2 - 0.5 * z + 1.0 * (eth != "01")),
        "stunted": stunted,
        "underweight": underweight,
        "education_level": edu,
        "studying": studying,
        "trained_by_employer": (age >= 18) & (rng.random(m) < 0.05),
        "school_on_track": on_track,
        "uses_internet": internet,
        "_pos": pos,
    })


def _education(rng: np.random.Generator, age: np.ndarray, z: np.ndarray) -> np.ndarray:
    m = len(age)
    level = np.zeros(m, dtype=np.int8)  # 0 none .. 3 upper_secondary, 4.. vocational/higher
    r = rng.random(m)
    progress = _sig(1.7 - 0.9 * z)
    level += ((age >= 11) & (r < progress + 0.1)).astype(np.int8)
    level += ((age >= 15) & (r < progress - 0.05)).astype(np.int8)
    level += ((age >= 18) & (r < progress - 0.25)).astype(np.int8)
    voc = (age >= 18) & (rng.random(m) < 0.08 * (level >= 2))
    names = np.array(["none", "primary", "lower_secondary", "upper_secondary"])
    out = names[level]
    return np.where(voc, np.array(["vocational_elementary", "vocational_intermediate", "college",
                                   "university"])[rng.integers(0, 4, m)], out)


def _derive_household_fields(rng: np.random.Generator, hh: pd.DataFrame, mem: pd.DataFrame,
                             standard: Standard) -> None:
    """Housing, assets, income and previous category, correlated with the latent hardship."""
    n = len(hh)
    z = hh["_z"].to_numpy()
    size = hh["household_size"].to_numpy()
    urban = hh["area"].to_numpy() == "urban"
    heads = mem[mem["member_no"] == 1]
    hh["head_name"] = heads["name"].to_numpy()
    hh["head_id_number"] = heads["id_number"].to_numpy()
    dwelling = rng.random(n) > 0.015 * (1 + (z > 1.5))
    hh["has_dwelling"] = dwelling
    for col, base in (("wall_durable", 1.2), ("column_durable", 1.6), ("roof_durable", 1.4)):
        val = pd.array(rng.random(n) < _sig(base - 0.9 * z), dtype="boolean")
        val[~dwelling] = pd.NA
        hh[col] = val
    area = np.round(size * rng.uniform(5.0, 18.0, n) * np.exp(-0.15 * z), 1)
    hh["living_area_m2"] = np.where(dwelling, area, np.nan)
    safe = rng.random(n) < _sig(1.7 - 1.0 * z)
    hh["water_source"] = np.where(
        safe, np.array(["piped", "drilled_well", "protected_well", "protected_spring",
                        "rainwater"])[rng.integers(0, 5, n)],
        np.array(["unprotected_well", "unprotected_spring", "surface"])[rng.integers(0, 3, n)])
    hyg = rng.random(n) < _sig(1.0 - 1.0 * z + 1.0 * urban)
    hh["latrine_type"] = np.where(
        hyg,
        np.array(["septic", "semi_septic", "pour_flush", "double_vault"])[rng.integers(0, 4, n)],
        np.array(["pit_without_slab", "hanging", "none"])[rng.integers(0, 3, n)])
    hh["waste_handling"] = np.where(
        rng.random(n) < _sig(0.8 - 1.0 * z + 1.5 * urban),
        np.where(urban, "collected", "own_treatment"),
        np.array(["dumped", "burned_open", "none"])[rng.integers(0, 3, n)])
    for col, base in (("owns_tv", 1.0), ("owns_radio", -1.5), ("owns_computer", -1.5),
                      ("owns_smartphone", 1.2), ("owns_phone", 0.5)):
        hh[col] = rng.random(n) < _sig(base - 0.8 * z)
    hh["agricultural"] = rng.random(n) < np.where(urban, 0.35, 0.85)
    # the standard's validator guarantees both income lines, so ``number`` never raises here
    line = np.where(urban, standard.income_line.number("urban"),
                    standard.income_line.number("rural"))
    income = np.round(line * np.exp(0.55 - 0.42 * z + rng.normal(0, 0.3, n)), -3)
    way = rng.random(n)
    cut_r, cut_u = standard.b1_cutoff.get("rural"), standard.b1_cutoff.get("urban")
    if cut_r is None or cut_u is None:
        # no published B1 cut-off (2027–2030): the review estimates income directly
        hh["income_per_capita"] = np.where(way < 0.995, income, np.nan)
        hh["b1_score"] = np.nan
    else:
        cutoff = np.where(urban, cut_u, cut_r)
        b1 = np.round(cutoff * np.exp(0.45 - 0.35 * z + rng.normal(0, 0.25, n)))
        hh["income_per_capita"] = np.where(way < 0.45, income, np.nan)
        hh["b1_score"] = np.where((way >= 0.45) & (way < 0.995), b1, np.nan)
    # last year's state: the same household with a noisier latent hardship
    z_prev = z + rng.normal(0.25, 0.45, n)
    prev_income = line * np.exp(0.55 - 0.42 * z_prev)
    prev = np.select([(prev_income <= line) & (z_prev > 1.6), prev_income <= line,
                      prev_income <= line * 1.5],
                     ["poor", "near_poor", "middle"], default="none")
    on_list = hh["review_reason"].to_numpy() == "on_list"
    keep = on_list | (rng.random(n) < 0.3)
    hh["previous_category"] = pd.Series(prev, dtype=object).where(keep, None).to_numpy()
    mem.drop(columns=["_pos"], inplace=True)


def _column_position(frame: pd.DataFrame, name: str) -> int:
    """Position of column ``name`` for ``iloc`` writes.

    ``Index.get_loc`` may return a slice or mask when a name repeats; the synthetic tables never
    repeat one, so anything but an int is a bug worth a clear error (and it types ``iloc``)."""
    pos = frame.columns.get_loc(name)
    if not isinstance(pos, int):
        raise ValueError(f"synthetic table has column {name!r} more than once")
    return pos


def _inject_defects(rng: np.random.Generator, hh: pd.DataFrame, mem: pd.DataFrame, year: int,
                    bad_share: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n_bad = round(len(hh) * bad_share)
    if n_bad == 0:
        return hh, mem, pd.DataFrame(columns=["household_id", "defect", "table", "column"])
    picks = np.sort(rng.choice(len(hh), n_bad, replace=False))
    kinds = np.array(DEFECT_KINDS)[np.arange(n_bad) % len(DEFECT_KINDS)]
    small = hh["household_size"].to_numpy()[picks] < 2
    kinds = np.where(small & np.isin(kinds, list(_NEEDS_TWO)), "age_out_of_range", kinds)
    ids = hh["household_id"].to_numpy()[picks]

    def rows(kind: str) -> np.ndarray:
        return picks[kinds == kind]

    def member_rows(kind: str, member_no: int) -> np.ndarray:
        sel = mem["household_id"].isin(ids[kinds == kind]) & (mem["member_no"] == member_no)
        return np.flatnonzero(sel.to_numpy())

    def col(name: str) -> int:
        return _column_position(mem, name)

    mem.iloc[member_rows("age_out_of_range", 1), col("age")] = 130
    mem.iloc[member_rows("age_out_of_range", 1), col("birth_date")] = None
    mem.iloc[member_rows("two_heads", 2), col("relation")] = "head"
    mem.iloc[member_rows("no_head", 1), col("relation")] = "other_relative"
    mem.iloc[member_rows("duplicate_member_no", 2), col("member_no")] = 1
    stunt_rows = member_rows("nutrition_over_16", 1)
    mem.iloc[stunt_rows, col("age")] = np.maximum(mem["age"].to_numpy()[stunt_rows], 30)
    mem.iloc[stunt_rows, col("birth_date")] = None
    mem.iloc[stunt_rows, col("stunted")] = True
    def h(name: str) -> int:
        return _column_position(hh, name)

    grow = rows("roster_size_mismatch")
    hh.iloc[grow, h("household_size")] = hh["household_size"].iloc[grow] + 1
    hh.iloc[rows("unknown_code"), h("water_source")] = "xyz"
    hh.iloc[rows("negative_area"), h("living_area_m2")] = -12.0
    hh.iloc[rows("negative_area"), h("has_dwelling")] = True
    hh.iloc[rows("missing_village"), h("village")] = None
    hh.iloc[rows("future_submission"), h("submitted_at")] = pd.Timestamp(
        f"{year + 1}-01-15", tz="UTC")
    dup_src = rows("duplicate_household_id")
    if len(dup_src):
        # a second submission claiming an existing household's id (another household's data)
        donors = (dup_src + 1) % len(hh)
        extra = hh.iloc[donors].copy()
        extra["household_id"] = hh["household_id"].to_numpy()[dup_src]
        extra["instance_id"] = _uuids(rng, len(extra))
        extra_mem = mem[mem["household_id"].isin(hh["household_id"].to_numpy()[donors])].copy()
        extra_mem["household_id"] = extra_mem["household_id"].map(
            dict(zip(hh["household_id"].to_numpy()[donors], extra["household_id"], strict=True)))
        hh = pd.concat([hh, extra], ignore_index=True)
        mem = pd.concat([mem, extra_mem], ignore_index=True)
    table_col = np.array([DEFECT_COLUMNS[k] for k in kinds], dtype=object)
    defects = pd.DataFrame({"household_id": ids, "defect": kinds,
                            "table": table_col[:, 0], "column": table_col[:, 1]})
    return hh, mem, defects


def _sig(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _zfill(values: np.ndarray, width: int) -> pd.Series:
    return pd.Series(values).astype(str).str.zfill(width)


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Deterministic UUID4-shaped instance ids (``uuid:…``), vectorised."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = np.frombuffer(raw.tobytes().hex().encode(), dtype="S32").astype(str)
    s = pd.Series(hexed)
    return ("uuid:" + s.str[:8] + "-" + s.str[8:12] + "-" + s.str[12:16] + "-" + s.str[16:20]
            + "-" + s.str[20:]).to_numpy()


__all__ = ["CATEGORIES", "DEFECT_COLUMNS", "DEFECT_KINDS", "SyntheticReview", "generate"]
