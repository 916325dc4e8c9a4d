"""The auth settings (issue 14): names, required pairs, the pool's region, no dev key with
cognito, keys over HTTPS; ``dgs serve`` refuses a bad combination before making a key."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.container import build_container
from entrypoints.http_app import build_app
from entrypoints.settings import SettingsError, load_settings
from tests.integration.test_cli_serve import environment, refused

POOL = "us-east-1_AbCdEf123"
COGNITO = {"DGS_AUTH_MODE": "cognito", "DGS_COGNITO_USER_POOL_ID": POOL,
           "DGS_COGNITO_APP_CLIENT_ID": "4d2p8sb1exampleclient0123"}  # fmt: skip


def test_the_defaults_are_the_dev_key_and_access_tokens() -> None:
    settings = load_settings({})
    assert (settings.auth_mode, settings.cognito_token_use) == ("dev-key", "access")
    assert settings.cognito_jwks_url is None


def test_cognito_needs_no_dev_key_and_builds_an_app(tmp_path: Path) -> None:
    settings = load_settings({**COGNITO, "DGS_SQLITE_PATH": str(tmp_path / "d.sqlite3")})
    assert settings.dev_key is None
    build_app(build_container(settings))  # no key asked for


@pytest.mark.parametrize("mode", ["cognito", "both"])
def test_token_modes_name_every_missing_setting_at_once(mode: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"DGS_AUTH_MODE": mode})
    assert str(raised.value) == (
        f"DGS_COGNITO_USER_POOL_ID: required when DGS_AUTH_MODE={mode}; "
        f"DGS_COGNITO_APP_CLIENT_ID: required when DGS_AUTH_MODE={mode}"
    )


def test_both_needs_the_dev_key_for_the_app(tmp_path: Path) -> None:
    settings = load_settings(
        {**COGNITO, "DGS_AUTH_MODE": "both", "DGS_SQLITE_PATH": str(tmp_path / "d")}
    )
    with pytest.raises(SettingsError, match="DGS_DEV_KEY: required when DGS_AUTH_MODE=both"):
        build_app(build_container(settings))


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"DGS_AUTH_MODE": "tokens"}, "DGS_AUTH_MODE: Input should be 'dev-key', 'cognito' or 'both'"),
        ({"DGS_COGNITO_TOKEN_USE": "refresh"}, "DGS_COGNITO_TOKEN_USE: Input should be 'access' or 'id'"),
        ({"DGS_COGNITO_USER_POOL_ID": "my pool"}, "DGS_COGNITO_USER_POOL_ID: String should match pattern"),
        ({"DGS_COGNITO_APP_CLIENT_ID": "id/with/slashes"}, "DGS_COGNITO_APP_CLIENT_ID: String should match pattern"),
        ({"DGS_COGNITO_USER_POOL_ID": "eu-west-1_AbCdEf123"},
         "DGS_COGNITO_USER_POOL_ID: the pool eu-west-1_AbCdEf123 is not in AWS_REGION (us-east-1)"),
        ({"DGS_DEV_KEY": "a-dev-key-0123456789"},
         "DGS_DEV_KEY: not accepted when DGS_AUTH_MODE=cognito (bearer tokens only)"),
        ({"DGS_COGNITO_JWKS_URL": "http://keys.example.org/jwks.json"},
         "DGS_COGNITO_JWKS_URL: 'http://keys.example.org/jwks.json' is not an https:// URL"),
        ({"DGS_COGNITO_JWKS_URL": "file:///etc/jwks.json"}, "DGS_COGNITO_JWKS_URL: 'file:///etc/jwks.json' is not"),
        ({"DGS_COGNITO_POOL_ID": POOL}, "DGS_COGNITO_POOL_ID: not a DGS setting; did you mean DGS_COGNITO_USER_POOL_ID?"),
    ],
)  # fmt: skip
def test_a_bad_auth_setting_is_refused_by_name(values: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({**COGNITO, **values})
    assert named in str(raised.value)


@pytest.mark.parametrize(
    "url", ["https://cognito-idp.us-east-1.amazonaws.com/x/.well-known/jwks.json",
            "http://127.0.0.1:5000/x/.well-known/jwks.json", "http://localhost:5000/jwks.json"],
)  # fmt: skip
def test_keys_come_over_https_or_from_this_machine(url: str) -> None:
    assert load_settings({**COGNITO, "DGS_COGNITO_JWKS_URL": url}).cognito_jwks_url == url


@pytest.mark.slow  # a dgs process
def test_serve_refuses_a_dev_key_with_cognito_before_making_anything(tmp_path: Path) -> None:
    code, output = refused(environment(tmp_path, **COGNITO, DGS_DEV_KEY="a-dev-key-0123456789"))
    assert code == 2
    assert output.strip().splitlines() == [
        "dgs serve: DGS_DEV_KEY: not accepted when DGS_AUTH_MODE=cognito (bearer tokens only); "
        "remove it, or set DGS_AUTH_MODE=both"
    ]
    assert "a-dev-key-0123456789" not in output


def test_the_readme_documents_every_auth_setting() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    settings = readme[readme.index("## Settings") :]
    for name in ("DGS_AUTH_MODE", "DGS_COGNITO_USER_POOL_ID", "DGS_COGNITO_APP_CLIENT_ID",
                 "DGS_COGNITO_TOKEN_USE", "DGS_COGNITO_JWKS_URL"):  # fmt: skip
        assert f"| `{name}` |" in settings, name
    assert "## Signing in" in readme
