"""Account management (web and command line), demo accounts, audit log, log hygiene."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from konray_review.cli import app as cli_app
from konray_review.portal import audit, tables
from konray_review.portal.accounts import AccountError, add_user, authenticate, list_users
from konray_review.portal.demo_accounts import create_demo_accounts, ensure_demo_accounts
from konray_review.portal.logs import RedactQueryFilter
from konray_review.store import Store
from tests.portal.builders import PASSWORD, YEAR
from tests.portal.conftest import csrf_of, login


@pytest.fixture()
def admin_client(app, accounts):
    with TestClient(app) as client:
        assert login(client, "admin").status_code == 303
        yield client


def test_admin_adds_disables_enables_and_resets_an_account(admin_client, fx) -> None:
    c = admin_client
    token = csrf_of(c.get("/admin/users").text)
    r = c.post("/admin/users", follow_redirects=False, data={
        "csrf_token": token, "username": "xa-moi", "password": "mat-khau-xa-moi",
        "role": "commune", "communes": ["Đắk Kôi"]})  # a spelling variant is accepted
    assert r.status_code == 303
    user = next(u for u in list_users(fx.store.engine) if u.username == "xa-moi")
    assert user.communes == ("Đăk Kôi",) and user.role == "commune"
    bad = c.post("/admin/users", data={"csrf_token": token, "username": "xa-sai",
                                        "password": "mat-khau-xa-sai", "role": "commune",
                                        "communes": ["Hà Nội"]})
    assert bad.status_code == 400 and "Hà Nội" in bad.text
    assert c.post("/admin/users/xa-moi/disable", data={"csrf_token": token}).status_code == 200
    assert authenticate(fx.store.engine, "xa-moi", "mat-khau-xa-moi") is None
    c.post("/admin/users/xa-moi/enable", data={"csrf_token": token})
    c.post("/admin/users/xa-moi/password", data={"csrf_token": token,
                                                  "password": "mat-khau-doi-roi"})
    assert authenticate(fx.store.engine, "xa-moi", "mat-khau-doi-roi") is not None
    own = c.post("/admin/users/admin/disable", data={"csrf_token": token})
    assert own.status_code == 400  # an admin cannot lock themself out
    actions = [e.action for e in audit.read(fx.store.engine, username="admin", limit=10)]
    for a in ("user_add", "user_disable", "user_enable", "user_passwd"):
        assert a in actions


def test_audit_page_shows_who_what_where(admin_client, clients, fx) -> None:
    hid = fx.households_of(fx.communes[0])["household_id"].iloc[1]
    clients[fx.communes[0]].get(f"/years/{YEAR}/households/{hid}")
    html = admin_client.get("/admin/audit?action=view_household").text
    assert hid in html and fx.communes[0] in html
    assert "<td>Xem hộ</td>" in html  # the action in words, not its code (issue 14)
    assert 'value="view_household"' in html  # the filter still sends the code
    other = admin_client.get("/admin/audit?action=login").text
    assert hid not in other


def test_account_rules() -> None:
    store = Store("sqlite://")
    tables.ensure_tables(store.engine)
    e = store.engine
    with pytest.raises(AccountError):
        add_user(e, "Has Space", PASSWORD, "district")
    with pytest.raises(AccountError):
        add_user(e, "xa-a", PASSWORD, "commune")  # a commune user needs a commune
    with pytest.raises(AccountError):
        add_user(e, "huyen-a", PASSWORD, "district", ["Đăk Kôi"])
    with pytest.raises(AccountError):
        add_user(e, "huyen-a", "short", "district")
    with pytest.raises(AccountError):
        add_user(e, "huyen-a", PASSWORD, "superuser")
    add_user(e, "huyen-a", PASSWORD, "district")
    with pytest.raises(AccountError):
        add_user(e, "huyen-a", PASSWORD, "district")


def test_demo_accounts_need_the_demo_run_and_no_accounts(fx, tmp_path) -> None:
    empty = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    tables.ensure_tables(empty.engine)
    assert ensure_demo_accounts(empty, fx.profile) == []  # no demo run: nothing made
    fresh = Store(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    fresh.start_run("r1", YEAR, "demo", fx.profile.id, None)
    tables.ensure_tables(fresh.engine)
    made = ensure_demo_accounts(fresh, fx.profile)
    roles = [a.role for a in made]
    assert roles.count("admin") == 1 and roles.count("district") == 1
    assert sorted(c for a in made for c in a.communes) == sorted(fx.profile.unit_names)
    assert len({a.password for a in made}) == len(made)
    for a in made[:2]:
        assert authenticate(fresh.engine, a.username, a.password) is not None
    with fresh.engine.connect() as conn:
        stored = " ".join(conn.execute(sa.select(tables.users.c.password_hash)).scalars())
    assert not [a for a in made if a.password in stored]
    assert create_demo_accounts(fresh.engine, fx.profile) == []  # only once


def test_users_command_line(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    run = CliRunner().invoke
    r = run(cli_app, ["users", "add", "xa-kon", "--role", "commune", "--commune", "Dak Koi",
                      "--store", url, "--password-stdin"], input="mat-khau-dong-lenh\n")
    assert r.exit_code == 0, r.output
    r = run(cli_app, ["users", "add", "quan-tri", "--role", "admin", "--store", url,
                      "--generate"])
    assert r.exit_code == 0 and "Mật khẩu" in r.output
    generated = r.output.strip().rsplit(" ", 1)[-1]
    r = run(cli_app, ["users", "list", "--store", url])
    assert "xa-kon\tcommune\tactive\tĐăk Kôi" in r.output and "quan-tri\tadmin" in r.output
    assert "mat-khau-dong-lenh" not in r.output
    engine = Store(url).engine
    assert authenticate(engine, "quan-tri", generated) is not None
    assert run(cli_app, ["users", "disable", "xa-kon", "--store", url]).exit_code == 0
    assert authenticate(engine, "xa-kon", "mat-khau-dong-lenh") is None
    assert run(cli_app, ["users", "enable", "xa-kon", "--store", url]).exit_code == 0
    r = run(cli_app, ["users", "passwd", "xa-kon", "--store", url, "--password-stdin"],
            input="mat-khau-moi-nua\n")
    assert r.exit_code == 0
    assert authenticate(engine, "xa-kon", "mat-khau-moi-nua") is not None
    bad = run(cli_app, ["users", "add", "x-y", "--role", "commune", "--commune", "Nowhere",
                        "--store", url, "--generate"])
    assert bad.exit_code == 1 and "Nowhere" in bad.output
    assert run(cli_app, ["users", "disable", "ghost", "--store", url]).exit_code == 1


def test_access_log_drops_query_strings() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4:5", "GET", "/years/2023/communes/x?q=Nguyễn Văn An",
                                "1.1", 200), None)
    RedactQueryFilter().filter(record)
    assert "Nguyễn" not in record.getMessage() and "/years/2023/communes/x?" in record.getMessage()


def test_portal_logs_hold_no_personal_data(clients, fx, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    row = fx.households.iloc[0]
    client = clients["district"]
    client.get(f"/years/{YEAR}/communes/x?q={row['head_name']}")
    client.get(f"/years/{YEAR}/households/{row['household_id']}")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert row["head_name"] not in logged
    assert str(row["head_id_number"]) not in logged
