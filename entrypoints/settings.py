"""Settings from the environment, validated at start with errors that name the setting."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

ENV_PREFIX = "DGS_"
Provider = Literal["gemini", "openrouter", "openai", "compatible", "offline"]
_CURSOR_SECRET_FILE = ".cursor-secret"


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names it."""


class Settings(BaseModel):
    """Every setting, with safe defaults for a laptop (embedded SQLite, no keys)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    storage: Literal["sqlite", "dynamodb"] = "sqlite"
    sqlite_path: Path = Path("data/dgs.sqlite3")
    dynamodb_table: str = Field(default="dgs", min_length=3, max_length=255)
    dynamodb_endpoint_url: str | None = None
    dynamodb_max_attempts: int = Field(default=4, ge=1, le=10)
    aws_region: str = "us-east-1"
    cursor_secret: str | None = Field(default=None, min_length=16)

    # The HTTP API.
    dev_key: SecretStr | None = Field(default=None, min_length=16)
    allowed_origins: str = ""  # comma-separated exact origins
    trusted_proxy_header: str | None = None
    trusted_proxy_hops: int = Field(default=1, ge=1, le=10)  # proxies that append to it
    rate_limit_per_hour: int = Field(default=10, ge=1, le=100_000)
    daily_generation_budget: int = Field(default=500, ge=1, le=10_000_000)
    cache_ttl_seconds: int = Field(default=86_400, ge=0, le=30 * 86_400)
    repair_log_ttl_days: int = Field(default=90, ge=1, le=3650)
    openapi_enabled: bool = True

    # Model providers: keys (never printed), routing per step and per mode.
    gemini_api_key: SecretStr | None = None
    openrouter_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    compatible_base_url: str | None = None
    compatible_api_key: SecretStr | None = None
    compatible_structured_output: bool = True
    gatherer_provider: Provider | None = None
    gatherer_model: str | None = None
    gatherer_model_fast: str | None = None
    gatherer_model_best: str | None = None
    structurer_provider: Provider | None = None
    structurer_model: str | None = None
    structurer_model_fast: str | None = None
    structurer_model_best: str | None = None
    repair_provider: Provider | None = None
    repair_model: str | None = None
    repair_enabled: bool = True
    model_timeout_seconds: float = Field(default=60.0, gt=0, le=900)
    generation_deadline_seconds: float = Field(default=150.0, gt=0, le=900)
    model_max_attempts: int = Field(default=3, ge=1, le=6)
    agents_tracing: bool = False

    @field_validator(
        "dynamodb_endpoint_url",
        "cursor_secret",
        "dev_key",
        "trusted_proxy_header",
        "gemini_api_key",
        "openrouter_api_key",
        "openai_api_key",
        "compatible_base_url",
        "compatible_api_key",
        "gatherer_provider",
        "gatherer_model",
        "gatherer_model_fast",
        "gatherer_model_best",
        "structurer_provider",
        "structurer_model",
        "structurer_model_fast",
        "structurer_model_best",
        "repair_provider",
        "repair_model",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("allowed_origins")
    @classmethod
    def _exact_origins(cls, value: str) -> str:
        for origin in filter(None, (o.strip() for o in value.split(","))):
            if origin == "*" or "*" in origin:
                raise ValueError("'*' is refused: list the exact origins allowed")
            if not origin.startswith(("http://", "https://")) or origin.endswith("/"):
                raise ValueError(f"{origin!r} is not an origin such as https://dle.example.org")
        return value

    def origins(self) -> frozenset[str]:
        """The allowed CORS origins."""
        return frozenset(o.strip() for o in self.allowed_origins.split(",") if o.strip())

    def cursor_secret_bytes(self) -> bytes:
        """The secret signing list cursors.

        Set ``DGS_CURSOR_SECRET`` in production. With SQLite and none set, a random one is
        kept beside the database file, so cursors survive restarts on a laptop.
        """
        if self.cursor_secret is not None:
            return self.cursor_secret.encode()
        if self.storage != "sqlite":
            raise SettingsError("DGS_CURSOR_SECRET: required when DGS_STORAGE=dynamodb")
        path = self.sqlite_path.parent / _CURSOR_SECRET_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        return path.read_text(encoding="utf-8").strip().encode()


_ENV_NAMES = {name: f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
# Provider keys keep the names their providers document.
_ENV_NAMES.update(
    aws_region="AWS_REGION",
    gemini_api_key="GEMINI_API_KEY",
    openrouter_api_key="OPENROUTER_API_KEY",
    openai_api_key="OPENAI_API_KEY",
)


def read_dotenv(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of a .env file (``#`` comments, optional quotes and ``export``)."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, sep, value = text.removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.isidentifier():
            raise SettingsError(f"{path}:{number}: expected NAME=value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment, over ./.env)."""
    if environ is None:
        path = dotenv or Path(os.environ.get("DGS_DOTENV_FILE", ".env"))
        environ = {**(read_dotenv(path) if path.is_file() else {}), **os.environ}
    raw = {field: environ[name] for field, name in _ENV_NAMES.items() if name in environ}
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{_ENV_NAMES.get(str(error['loc'][0]), error['loc'][0])}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]
        raise SettingsError("; ".join(problems)) from None
