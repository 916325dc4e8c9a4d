"""Settings: every one documented, loaded strictly, errors naming the setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from application.ports.generation import ModelRoute
from domain.generation import LessonConstraints
from entrypoints.llm_wiring import llm_settings
from entrypoints.setting_sources import read_dotenv
from entrypoints.settings import (
    _ENV_NAMES,
    SECRET_FIELDS,
    Settings,
    SettingsError,
    known_names,
    load_settings,
)

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
        ("DGS_JOB_QUEUE_URL", "dgs-jobs", "DGS_JOB_QUEUE_URL"),
        ("DGS_JOB_QUEUE_URL", "ftp://sqs.example/1/q", "DGS_JOB_QUEUE_URL"),
        ("DGS_JOB_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/", "DGS_JOB_QUEUE_URL"),
        ("DGS_WORKER_CONCURRENCY", "0", "DGS_WORKER_CONCURRENCY"),
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
        'DGS_STORAGE=dynamodb\nexport DGS_DYNAMODB_TABLE="from-file"\n'
        "DGS_CURSOR_SECRET='cursor-secret-from-file'\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DGS_DOTENV_FILE")  # the default: ./.env
    monkeypatch.setenv("DGS_DYNAMODB_TABLE", "from-env")
    settings = load_settings()
    assert (settings.storage, settings.dynamodb_table) == ("dynamodb", "from-env")
    (tmp_path / ".env").write_text("not a setting line\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\.env:1"):
        load_settings()


# --- issue 10: settings fail loudly, by name, before anything starts ---------------------


def test_dynamodb_without_a_cursor_secret_is_refused_when_the_settings_load() -> None:
    with pytest.raises(
        SettingsError, match="DGS_CURSOR_SECRET: required when DGS_STORAGE=dynamodb"
    ):
        load_settings({"DGS_STORAGE": "dynamodb"})
    settings = load_settings({"DGS_STORAGE": "dynamodb", "DGS_CURSOR_SECRET": "c" * 16})
    assert settings.cursor_secret_bytes() == b"c" * 16


def test_a_dotenv_file_that_does_not_exist_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "prod.env"
    monkeypatch.setenv("DGS_DOTENV_FILE", str(missing))
    with pytest.raises(SettingsError, match=rf"DGS_DOTENV_FILE: no such file: {missing}"):
        load_settings()
    # ./.env, the default, may be absent
    monkeypatch.delenv("DGS_DOTENV_FILE")
    monkeypatch.chdir(tmp_path)
    assert load_settings() == Settings()


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("DGS_STORGE", "DGS_STORAGE"),
        ("DGS_DEVKEY", "DGS_DEV_KEY"),
        ("DGS_RATE_LIMIT_PER_HOURS", "DGS_RATE_LIMIT_PER_HOUR"),
        ("DGS_DEV_KEY_SECRET", "DGS_DEV_KEY_SECRET_ARN"),
    ],
)
def test_an_unknown_dgs_variable_is_an_error_naming_the_closest_setting(
    typo: str, meant: str
) -> None:
    with pytest.raises(SettingsError, match=rf"{typo}: not a DGS setting; did you mean {meant}\?"):
        load_settings({typo: "x"})


def test_an_unknown_name_far_from_every_setting_is_still_an_error() -> None:
    with pytest.raises(SettingsError, match=r"DGS_XYZZY: not a DGS setting \(\.env\.example lists"):
        load_settings({"DGS_XYZZY": "1"})


def test_an_unknown_name_in_the_dotenv_file_says_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / "dgs.env"
    dotenv.write_text("# mine\nDGS_STORGE=dynamodb\nOTHER_TOOL=kept\n", encoding="utf-8")
    monkeypatch.setenv("DGS_DOTENV_FILE", str(dotenv))
    with pytest.raises(SettingsError, match=rf"{dotenv}:2: DGS_STORGE: .*did you mean DGS_STORAGE"):
        load_settings()


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"DGS_STORGE": "x", "DGS_RATE_LIMIT_PER_HOUR": "0"})
    assert "DGS_STORGE" in str(raised.value)
    assert "DGS_RATE_LIMIT_PER_HOUR" in str(raised.value)


def test_an_empty_value_means_the_default() -> None:
    # compose's env_file passes `NAME=` lines of a copied .env.example as empty strings
    settings = load_settings({"DGS_RATE_LIMIT_PER_HOUR": "", "DGS_REPAIR_ENABLED": ""})
    assert (settings.rate_limit_per_hour, settings.repair_enabled) == (10, True)


def test_every_secret_setting_has_a_secrets_manager_and_a_parameter_store_form() -> None:
    secret_names = {
        "DGS_DEV_KEY", "DGS_CURSOR_SECRET", "GEMINI_API_KEY", "OPENROUTER_API_KEY",
        "OPENAI_API_KEY", "DGS_COMPATIBLE_API_KEY",
    }  # fmt: skip
    assert {_ENV_NAMES[f] for f in SECRET_FIELDS} == secret_names
    for name in secret_names:
        assert {f"{name}_SECRET_ARN", f"{name}_PARAMETER"} <= known_names()


@pytest.mark.parametrize(
    "values",
    [
        {"DGS_DEV_KEY": "k" * 16, "DGS_DEV_KEY_PARAMETER": "/dgs/dev-key"},
        {
            "GEMINI_API_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:g-AbCdEf",
            "GEMINI_API_KEY_PARAMETER": "/dgs/gemini",
        },
    ],
)
def test_a_secret_given_two_ways_is_refused_before_any_call(values: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="set only one of"):
        load_settings(values)


def test_a_secret_arn_must_be_a_secrets_manager_arn() -> None:
    with pytest.raises(SettingsError, match="DGS_DEV_KEY_SECRET_ARN: not a Secrets Manager ARN"):
        load_settings({"DGS_DEV_KEY_SECRET_ARN": "dgs/dev-key"})


# --- issue 10: a configured provider is used, or start-up says why not --------------------

COMPATIBLE_ROW = {
    "DGS_COMPATIBLE_BASE_URL": "http://127.0.0.1:11434/v1",
    "DGS_COMPATIBLE_API_KEY": "sk-local",
    "DGS_GATHERER_MODEL": "llama3.1",
    "DGS_STRUCTURER_MODEL": "llama3.1",
}


def test_the_readme_compatible_row_routes_every_step_to_that_server() -> None:
    settings = llm_settings(load_settings(COMPATIBLE_ROW))
    for step in ("gatherer", "structurer", "repair"):
        assert settings.route(step, LessonConstraints()) == ModelRoute("compatible", "llama3.1")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"DGS_COMPATIBLE_BASE_URL": "http://127.0.0.1:11434/v1"},
            "DGS_GATHERER_MODEL: required: the compatible provider has no default model",
        ),
        (
            {"DGS_COMPATIBLE_API_KEY": "sk-local", "DGS_GATHERER_MODEL": "m"},
            "DGS_COMPATIBLE_BASE_URL: required when DGS_COMPATIBLE_API_KEY is set",
        ),
        (
            {"DGS_STRUCTURER_PROVIDER": "compatible", "DGS_STRUCTURER_MODEL": "m"},
            "DGS_COMPATIBLE_BASE_URL: required by DGS_STRUCTURER_PROVIDER=compatible",
        ),
        (
            {"DGS_GATHERER_PROVIDER": "gemini"},
            "GEMINI_API_KEY: required by DGS_GATHERER_PROVIDER=gemini",
        ),
        (
            {"OPENAI_API_KEY": "sk-x", "DGS_STRUCTURER_MODEL_FAST": "gpt-3.5-turbo"},
            "DGS_STRUCTURER_MODEL_FAST: openai/gpt-3.5-turbo does not support JSON-schema",
        ),
        (
            {**COMPATIBLE_ROW, "DGS_COMPATIBLE_STRUCTURED_OUTPUT": "false"},
            "DGS_COMPATIBLE_STRUCTURED_OUTPUT: false, so compatible/llama3.1 cannot",
        ),
    ],
)
def test_a_provider_that_cannot_serve_stops_start_up_with_the_reason(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(values)
