"""Settings from env / TOML / pyodk's file; secrets never shown; https unless allowed."""

from __future__ import annotations

import pytest

from konray_review.sources.config import ConfigError, load_central, load_kobo


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for var in ("KONRAY_SERVERS_FILE", "PYODK_CONFIG_FILE", "KONRAY_ALLOW_HTTP",
                "KONRAY_CENTRAL_BASE_URL", "KONRAY_CENTRAL_USERNAME", "KONRAY_CENTRAL_PASSWORD",
                "KONRAY_CENTRAL_PROJECT_ID", "KONRAY_CENTRAL_FORM_ID", "KONRAY_KOBO_TOKEN",
                "KONRAY_KOBO_BASE_URL", "KONRAY_KOBO_ASSET_UID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no stray ~/.pyodk_config.toml


def test_servers_file_with_env_override(tmp_path, monkeypatch):
    f = tmp_path / "servers.toml"
    f.write_text('[central]\nbase_url = "https://central.huyen.gov.vn/"\n'
                 'username = "ra-soat@huyen.gov.vn"\npassword = "p@ss-file"\nproject_id = 4\n'
                 'form_id = "phieu_b_2026"\n[central.http]\nretries = 7\n'
                 '[kobo]\ntoken = "kobo-secret"\nasset_uid = "aAbB"\n', encoding="utf-8")
    monkeypatch.setenv("KONRAY_CENTRAL_PASSWORD", "p@ss-env")
    cfg = load_central(f)
    assert cfg.base_url == "https://central.huyen.gov.vn" and cfg.project_id == 4
    assert cfg.password == "p@ss-env" and cfg.http.retries == 7
    assert "p@ss" not in repr(cfg)
    kobo = load_kobo(f)
    assert kobo.base_url == "https://kf.kobotoolbox.org" and "kobo-secret" not in repr(kobo)


def test_pyodk_config_file_is_accepted(tmp_path, monkeypatch):
    f = tmp_path / "pyodk.toml"
    f.write_text('[central]\nbase_url = "https://odk.example.org"\nusername = "u@x.org"\n'
                 'password = "pw"\ndefault_project_id = 2\n', encoding="utf-8")
    monkeypatch.setenv("PYODK_CONFIG_FILE", str(f))
    cfg = load_central()
    assert (cfg.base_url, cfg.username, cfg.project_id) == ("https://odk.example.org", "u@x.org",
                                                            2)


def test_plain_http_is_refused_unless_allowed(monkeypatch):
    monkeypatch.setenv("KONRAY_CENTRAL_BASE_URL", "http://10.0.0.5:8080")
    monkeypatch.setenv("KONRAY_CENTRAL_USERNAME", "u")
    monkeypatch.setenv("KONRAY_CENTRAL_PASSWORD", "hunter2-secret")
    with pytest.raises(ConfigError, match="http") as err:
        load_central()
    assert "hunter2" not in str(err.value)
    monkeypatch.setenv("KONRAY_ALLOW_HTTP", "1")
    assert load_central().base_url == "http://10.0.0.5:8080"


def test_missing_secret_names_the_setting(monkeypatch):
    monkeypatch.setenv("KONRAY_CENTRAL_BASE_URL", "https://c.example.org")
    monkeypatch.setenv("KONRAY_CENTRAL_USERNAME", "u")
    with pytest.raises(ConfigError, match=r"central\.password"):
        load_central()
    with pytest.raises(ConfigError, match=r"kobo\.token"):
        load_kobo()
    with pytest.raises(ConfigError, match="not found"):
        load_central("/nonexistent/servers.toml")
