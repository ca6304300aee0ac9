"""Issue 14 item 4: one store for every portal command; serve fails in one clear line."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from konray_review.cli import app
from konray_review.portal.accounts import authenticate, get_user
from konray_review.portal.tables import ensure_tables
from konray_review.store import Store

NEW_PASSWORD = "mat-khau-moi-cua-lan-99"


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """A KONRAY_HOME holding only the demo's store (as after ``konray-review demo``)."""
    monkeypatch.setenv("KONRAY_HOME", str(tmp_path))
    monkeypatch.delenv("KONRAY_STORE_URL", raising=False)
    demo = Store(f"sqlite:///{tmp_path / 'demo' / 'konray-review.sqlite'}")
    demo.start_run("2026-demo", 2026, "demo", "kon-ray", None)
    demo.finish_run("2026-demo", "succeeded")
    ensure_tables(demo.engine)
    return tmp_path, demo


def test_users_add_after_the_demo_writes_to_the_store_serve_reads(home) -> None:
    root, demo = home
    r = CliRunner().invoke(app, ["users", "add", "lan", "--role", "district",
                                 "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert authenticate(demo.engine, "lan", NEW_PASSWORD) is not None
    assert not (root / "konray-review.sqlite").exists()  # no second, empty store


def test_passwd_generate_prints_a_password_that_logs_in_and_unlocks(home) -> None:
    _root, demo = home
    CliRunner().invoke(app, ["users", "add", "huyen", "--role", "district", "--generate"])
    r = CliRunner().invoke(app, ["users", "passwd", "huyen", "--generate"])
    assert r.exit_code == 0, r.output
    printed = r.output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    assert authenticate(demo.engine, "huyen", printed) is not None


def test_unlock_names_an_unknown_account(home) -> None:
    r = CliRunner().invoke(app, ["users", "unlock", "khong-co"])
    assert r.exit_code == 1
    assert "khong-co" in r.output
    CliRunner().invoke(app, ["users", "add", "huyen", "--role", "district", "--generate"])
    _root, demo = home
    assert get_user(demo.engine, username="huyen") is not None
    r = CliRunner().invoke(app, ["users", "unlock", "huyen"])
    assert r.exit_code == 0 and "huyen" in r.output


def test_weak_password_is_refused_by_the_cli(home) -> None:
    r = CliRunner().invoke(app, ["users", "add", "lan", "--role", "district",
                                 "--password-stdin"], input="1234567890\n")
    assert r.exit_code == 1
    assert "dễ đoán" in r.output


def test_serve_refuses_a_port_out_of_range_in_one_line(home) -> None:
    r = CliRunner().invoke(app, ["serve", "--port", "99999"])
    assert r.exit_code == 1
    assert r.output.strip().count("\n") == 0 and "65535" in r.output


def test_serve_on_a_busy_port_says_so_in_one_line_before_any_password(home) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        r = CliRunner().invoke(app, ["serve", "--port", str(port)])
    finally:
        busy.close()
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "đang được chương trình khác dùng" in lines[0]
    # the demo accounts were not created (their passwords would be lost): next start shows them
    _root, demo = home
    assert get_user(demo.engine, username="admin") is None
