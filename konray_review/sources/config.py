"""Server configuration and secrets: from environment variables or a TOML file outside the repo.

Why this shape: a district office keeps one small file (``~/.config/konray-review/servers.toml``
or the path in ``KONRAY_SERVERS_FILE``) with the server URL, project and credentials; CI and
containers use environment variables instead. For ODK Central, pyodk's own config file
(``PYODK_CONFIG_FILE`` / ``~/.pyodk_config.toml``) is accepted too, so an office that already
uses pyodk needs nothing new. Secrets are never printed: ``repr`` hides them and errors name
the missing *setting*, never its value. Plain ``http://`` is refused unless explicitly allowed
(``allow_http = true`` / ``KONRAY_ALLOW_HTTP=1``), for a server on the same machine or tests.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path("~/.config/konray-review/servers.toml")


class ConfigError(ValueError):
    """A setting is missing or unsafe; the message names the setting, never a secret."""


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts and the retry budget: per request (``retries``) and per stage (seconds)."""

    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    retries: int = 5  # extra attempts of one request, at most
    backoff: float = 1.0  # seconds; doubled per attempt, capped at backoff_max
    backoff_max: float = 30.0
    stage_budget: float = 60.0  # seconds of failed attempts + waits in one pull/write-back


@dataclass(frozen=True)
class CentralConfig:
    base_url: str
    username: str
    password: str = field(repr=False)
    project_id: int | None = None
    form_id: str = ""  # e.g. "phieu_b_2026"; deploy reads it from the XLSForm
    allow_http: bool = False
    http: HttpSettings = field(default_factory=HttpSettings)


@dataclass(frozen=True)
class KoboConfig:
    base_url: str
    token: str = field(repr=False)
    asset_uid: str | None = None
    asset_name: str = "ra_soat_ho"
    allow_http: bool = False
    http: HttpSettings = field(default_factory=HttpSettings)


def check_url(url: str, allow_http: bool, setting: str) -> str:
    """HTTPS unless explicitly allowed; trailing slash removed."""
    url = (url or "").strip().rstrip("/")
    if not url:
        raise ConfigError(f"thiếu {setting} (missing {setting})")
    if url.startswith("http://") and not allow_http:
        raise ConfigError(
            f"{setting} dùng http:// không mã hoá; đặt allow_http = true nếu máy chủ ở cùng máy "
            f"(plain http refused for {setting}; set allow_http = true for a local server)"
        )
    if not url.startswith(("https://", "http://")):
        raise ConfigError(f"{setting} phải bắt đầu bằng https:// ({setting} must start with https://)")
    return url


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.expanduser().open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: tệp cấu hình lỗi cú pháp (invalid TOML): {exc}") from None


def _servers_file(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    chosen = path or os.environ.get("KONRAY_SERVERS_FILE")
    if chosen and not Path(chosen).expanduser().exists():
        raise ConfigError(f"không thấy tệp cấu hình {chosen} (config file not found)")
    return _read_toml(Path(chosen) if chosen else DEFAULT_FILE)


def _http_settings(section: dict[str, Any]) -> HttpSettings:
    known = HttpSettings.__dataclass_fields__
    return HttpSettings(**{k: type(getattr(HttpSettings(), k))(v)
                           for k, v in section.get("http", {}).items() if k in known})


def load_central(path: str | os.PathLike[str] | None = None) -> CentralConfig:
    """Central settings: env ``KONRAY_CENTRAL_*`` > servers file ``[central]`` > pyodk file."""
    sect = dict(_servers_file(path).get("central", {}))
    pyodk_path = os.environ.get("PYODK_CONFIG_FILE") or "~/.pyodk_config.toml"
    for key, value in _read_toml(Path(pyodk_path)).get("central", {}).items():
        sect.setdefault("project_id" if key == "default_project_id" else key, value)
    env = {k: os.environ[f"KONRAY_CENTRAL_{k.upper()}"]
           for k in ("base_url", "username", "password", "project_id", "form_id", "allow_http")
           if os.environ.get(f"KONRAY_CENTRAL_{k.upper()}")}
    sect.update(env)
    allow = _truthy(sect.get("allow_http", False)) or _truthy(os.environ.get("KONRAY_ALLOW_HTTP"))
    for key in ("username", "password"):
        if not sect.get(key):
            where = path or os.environ.get("KONRAY_SERVERS_FILE") or DEFAULT_FILE
            raise ConfigError(f"thiếu central.{key}: ghi vào mục [central] của {where} hoặc "
                              f"đặt KONRAY_CENTRAL_{key.upper()} (docs/servers.md) "
                              f"(missing central.{key})")
    project = sect.get("project_id")
    return CentralConfig(
        base_url=check_url(sect.get("base_url", ""), allow, "central.base_url"),
        username=str(sect["username"]), password=str(sect["password"]),
        project_id=int(project) if project not in (None, "") else None,
        form_id=str(sect.get("form_id") or CentralConfig.form_id),
        allow_http=allow, http=_http_settings(sect),
    )


def load_kobo(path: str | os.PathLike[str] | None = None) -> KoboConfig:
    """KoBo settings: env ``KONRAY_KOBO_*`` > servers file ``[kobo]``."""
    sect = dict(_servers_file(path).get("kobo", {}))
    sect.update({k: os.environ[f"KONRAY_KOBO_{k.upper()}"]
                 for k in ("base_url", "token", "asset_uid", "asset_name", "allow_http")
                 if os.environ.get(f"KONRAY_KOBO_{k.upper()}")})
    allow = _truthy(sect.get("allow_http", False)) or _truthy(os.environ.get("KONRAY_ALLOW_HTTP"))
    if not sect.get("token"):
        raise ConfigError("thiếu kobo.token (missing kobo.token)")
    return KoboConfig(
        base_url=check_url(sect.get("base_url", "https://kf.kobotoolbox.org"), allow,
                           "kobo.base_url"),
        token=str(sect["token"]), asset_uid=sect.get("asset_uid") or None,
        asset_name=str(sect.get("asset_name") or KoboConfig.asset_name),
        allow_http=allow, http=_http_settings(sect),
    )
