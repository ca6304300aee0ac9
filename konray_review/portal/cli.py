"""``konray-review serve`` and ``konray-review users ...`` (portal accounts).

Thin: parse options, call the portal's functions. FastAPI, uvicorn and argon2 are imported
inside the commands so ``konray-review --help`` stays fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

users_app = typer.Typer(help="Tài khoản cổng thông tin (portal accounts).",
                        no_args_is_help=True)

StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="URL cơ sở dữ liệu (store URL; default KONRAY_STORE_URL or output/)")]
GenerateOpt = Annotated[bool, typer.Option(
    "--generate", help="Tạo mật khẩu ngẫu nhiên và in ra một lần (generate and print once)")]
StdinOpt = Annotated[bool, typer.Option(
    "--password-stdin", help="Đọc mật khẩu từ stdin (read the password from stdin)")]


def _engine(store_url: str | None):
    """The portal tables' engine on the store ``serve`` reads (``resolve_store_url``).

    Why one resolver: ``users add`` after ``demo`` used to write to another file than the
    one ``serve`` showed, so the new account could not log in.
    """
    from konray_review.portal.tables import ensure_tables
    from konray_review.store import make_engine

    engine = make_engine(resolve_store_url(store_url))
    ensure_tables(engine)
    return engine


def _password(generate: bool, stdin: bool) -> tuple[str, bool]:
    """(password, whether to print it)."""
    from konray_review.portal.accounts import generate_password

    if generate:
        return generate_password(), True
    if stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return typer.prompt("Mật khẩu (password)", hide_input=True, confirmation_prompt=True), False


def _fail(exc: Exception) -> None:
    typer.echo(f"Lỗi (error): {exc}", err=True)
    raise typer.Exit(code=1)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="tên đăng nhập (username)")],
    role: Annotated[str, typer.Option("--role", help="admin | district | commune")],
    commune: Annotated[list[str] | None, typer.Option(
        "--commune", help="xã của tài khoản cấp xã, lặp lại được (commune; repeatable)")] = None,
    store: StoreOpt = None, generate: GenerateOpt = False, password_stdin: StdinOpt = False,
) -> None:
    """Thêm tài khoản (add an account)."""
    from konray_review.portal.accounts import AccountError, add_user
    from konray_review.profile import load_profile

    profile = load_profile()
    names: list[str] = []
    for c in commune or []:
        canon = profile.canonical_unit(c)
        if canon is None:
            _fail(ValueError(f"xã không có trong hồ sơ {profile.id}: {c!r} (unknown commune); "
                             f"một trong {profile.unit_names}"))
        else:
            names.append(canon)
    password, show = _password(generate, password_stdin)
    try:
        add_user(_engine(store), username, password, role, names)
    except AccountError as exc:
        _fail(exc)
    typer.echo(f"Đã thêm {username} ({role}) (account added)")
    if show:
        typer.echo(f"Mật khẩu (password, shown once): {password}")


@users_app.command("list")
def users_list(store: StoreOpt = None) -> None:
    """Danh sách tài khoản (list accounts)."""
    from konray_review.portal.accounts import list_users

    for u in list_users(_engine(store)):
        state = "active" if u.active else "disabled"
        typer.echo(f"{u.username}\t{u.role}\t{state}\t{', '.join(u.communes)}")


@users_app.command("disable")
def users_disable(username: str, store: StoreOpt = None) -> None:
    """Khoá tài khoản và kết thúc các phiên (disable an account, end its sessions)."""
    _set_active(username, store, False)
    typer.echo(f"Đã khoá {username} (disabled)")


@users_app.command("enable")
def users_enable(username: str, store: StoreOpt = None) -> None:
    """Mở khoá tài khoản (enable an account)."""
    _set_active(username, store, True)
    typer.echo(f"Đã mở khoá {username} (enabled)")


def _set_active(username: str, store: str | None, active: bool) -> None:
    from konray_review.portal.accounts import AccountError, set_active

    try:
        set_active(_engine(store), username, active)
    except AccountError as exc:
        _fail(exc)


@users_app.command("passwd")
def users_passwd(username: str, store: StoreOpt = None, generate: GenerateOpt = False,
                 password_stdin: StdinOpt = False) -> None:
    """Đặt mật khẩu mới (set a new password; ends the account's sessions)."""
    from konray_review.portal.accounts import AccountError, set_password

    password, show = _password(generate, password_stdin)
    try:
        set_password(_engine(store), username, password)
    except AccountError as exc:
        _fail(exc)
    from konray_review.portal.throttle import unlock

    unlock(_engine(store), username)  # a new password also ends the account's login waits
    typer.echo(f"Đã đổi mật khẩu {username} (password changed)")
    if show:
        typer.echo(f"Mật khẩu (password, shown once): {password}")


@users_app.command("unlock")
def users_unlock(username: str, store: StoreOpt = None) -> None:
    """Bỏ chặn đăng nhập sai của tài khoản (end the account's login waits)."""
    from konray_review.portal import audit
    from konray_review.portal.accounts import AccountError, get_user
    from konray_review.portal.throttle import unlock

    engine = _engine(store)
    if get_user(engine, username=username) is None:
        _fail(AccountError(f"không có tài khoản / no such account: {username}"))
    unlock(engine, username)
    audit.record(engine, "user_unlock", obj=username, ip="cli")
    typer.echo(f"Đã bỏ chặn đăng nhập {username} (unlocked)")


def serve(
    host: Annotated[str, typer.Option(help="địa chỉ lắng nghe (bind address)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="cổng (port)")] = 8000,
    store: StoreOpt = None,
    proxy: Annotated[str | None, typer.Option(
        "--trusted-proxy", help="IP của reverse proxy tin cậy (trusted proxy IPs, comma)")] = None,
) -> None:
    """Chạy cổng thông tin (run the web portal). Production: see docs/portal.md."""
    if not 1 <= port <= 65535:
        _fail(ValueError(f"cổng phải từ 1 đến 65535, nhận {port} (port must be 1–65535)"))
    sock = _bind(host, port)  # before anything is printed: a busy port must not eat passwords
    import uvicorn

    from konray_review.portal.app import create_app
    from konray_review.portal.config import PortalConfig
    from konray_review.portal.demo_accounts import ensure_demo_accounts
    from konray_review.store import Store

    overrides: dict[str, object] = {"store_url": resolve_store_url(store)}
    if proxy:
        overrides["trusted_proxies"] = tuple(p.strip() for p in proxy.split(",") if p.strip())
    config = PortalConfig.from_env(**overrides)
    st = Store(config.store_url)
    app = create_app(config, store=st)
    made = ensure_demo_accounts(st, app.state.portal.profile)
    if made:
        _print_demo_accounts(made)
    typer.echo(f"Cổng thông tin (portal): http://{host}:{port}/  (store: {st.url})")
    server = uvicorn.Server(uvicorn.Config(app, proxy_headers=False, server_header=False))
    server.run(sockets=[sock])


def _bind(host: str, port: int):
    """The listening socket, or one clear line when the port is taken or the host unknown."""
    import socket

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        busy = exc.errno in (98, 48, 10048)  # EADDRINUSE on Linux, macOS, Windows
        reason = ("cổng đang được chương trình khác dùng; chọn --port khác "
                  "(port already in use)") if busy else f"không mở được ({exc.strerror})"
        _fail(ValueError(f"Không mở được {host}:{port}: {reason}"))
    return sock


def resolve_store_url(explicit: str | None) -> str:
    """--store, else KONRAY_STORE_URL, else the default store when it exists, else the demo's.

    Every portal command (``serve``, ``users …``) finds its store here, and ``run`` writes
    to the same default (``konray_review.store.default_url``). ``konray-review demo`` writes
    its own store under ``$KONRAY_HOME/demo/``; a newcomer who runs ``demo`` then ``serve``
    or ``users add`` gets the demo's store without knowing that.
    """
    import os
    from pathlib import Path

    from konray_review.store.engine import default_url

    if explicit or os.environ.get("KONRAY_STORE_URL"):
        return explicit or os.environ["KONRAY_STORE_URL"]
    home = Path(os.environ.get("KONRAY_HOME", "output"))
    default, demo = home / "konray-review.sqlite", home / "demo" / "konray-review.sqlite"
    if not default.exists() and demo.exists():
        return f"sqlite:///{demo}"
    return default_url()


def _print_demo_accounts(made: list) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Tài khoản demo (demo accounts) — mật khẩu chỉ hiện một lần / "
                        "passwords are shown only once")
    for col in ("tên đăng nhập / username", "vai trò / role", "xã / commune",
                "mật khẩu / password"):
        table.add_column(col)
    for a in made:
        table.add_row(a.username, a.role, ", ".join(a.communes), a.password)
    Console().print(table)
