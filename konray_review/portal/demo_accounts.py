"""Demo accounts for a newcomer: one district user, one per commune, one administrator.

Created only when the store holds the demo run and no account exists yet. Passwords are
random, returned once for printing, and stored only as argon2 hashes.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from konray_review.portal.accounts import add_user, count_users, generate_password
from konray_review.profile import Profile

DEMO_SOURCE = "demo"
_PREFIX = {"xa": "xa", "thi_tran": "tt", "phuong": "phuong", "dac_khu": "dk"}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    communes: tuple[str, ...]
    password: str


def has_demo_run(store) -> bool:
    runs = store.list_runs()
    return bool(len(runs)) and bool((runs["source"] == DEMO_SOURCE).any())


def commune_username(kind: str, slug: str) -> str:
    return f"{_PREFIX.get(kind, 'xa')}-{slug.replace('_', '-')}"


def create_demo_accounts(engine: sa.Engine, profile: Profile) -> list[DemoAccount]:
    """The accounts made (empty when accounts already exist)."""
    if count_users(engine):
        return []
    plan: list[tuple[str, str, tuple[str, ...]]] = [("admin", "admin", ()),
                                                    ("huyen", "district", ())]
    plan += [(commune_username(u.kind, u.slug), "commune", (u.name,)) for u in profile.units]
    made = []
    for username, role, communes in plan:
        password = generate_password()
        add_user(engine, username, password, role, list(communes))
        made.append(DemoAccount(username, role, tuple(communes), password))
    return made


def ensure_demo_accounts(store, profile: Profile) -> list[DemoAccount]:
    if not has_demo_run(store):
        return []
    return create_demo_accounts(store.engine, profile)
