"""Settings: every one documented, loaded strictly, errors naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.settings import _ENV_NAMES, Settings, SettingsError, load_settings, read_dotenv

ROOT = Path(__file__).parents[2]


def test_env_example_lists_every_setting_and_its_defaults_load() -> None:
    example = read_dotenv(ROOT / ".env.example")
    assert set(example) == set(_ENV_NAMES.values())
    settings = load_settings({k: v for k, v in example.items() if v})
    assert settings == Settings()


@pytest.mark.parametrize(
    ("name", "value", "mentioned"),
    [
        ("DGS_STORAGE", "postgres", "DGS_STORAGE"),
        ("DGS_ALLOWED_ORIGINS", "*", "DGS_ALLOWED_ORIGINS"),
        ("DGS_ALLOWED_ORIGINS", "https://a.example/", "DGS_ALLOWED_ORIGINS"),
        ("DGS_DEV_KEY", "short", "DGS_DEV_KEY"),
        ("DGS_RATE_LIMIT_PER_HOUR", "0", "DGS_RATE_LIMIT_PER_HOUR"),
        ("DGS_MODEL_TIMEOUT_SECONDS", "abc", "DGS_MODEL_TIMEOUT_SECONDS"),
        ("GEMINI_API_KEY", "", None),
    ],
)
def test_bad_settings_are_refused_by_name(name: str, value: str, mentioned: str | None) -> None:
    if mentioned is None:
        assert load_settings({name: value}).gemini_api_key is None  # empty means unset
        return
    with pytest.raises(SettingsError, match=mentioned):
        load_settings({name: value})


def test_secrets_never_show_in_reprs() -> None:
    settings = load_settings(
        {"OPENAI_API_KEY": "sk-secret-value-123", "DGS_DEV_KEY": "dev-key-secret-0123456"}
    )
    assert "sk-secret-value-123" not in repr(settings)
    assert "dev-key-secret-0123456" not in repr(settings)


def test_dotenv_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        'DGS_STORAGE=dynamodb\nexport DGS_DYNAMODB_TABLE="from-file"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DGS_DOTENV_FILE")  # the default: ./.env
    monkeypatch.setenv("DGS_DYNAMODB_TABLE", "from-env")
    settings = load_settings()
    assert (settings.storage, settings.dynamodb_table) == ("dynamodb", "from-env")
    (tmp_path / ".env").write_text("not a setting line\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\.env:1"):
        load_settings()
