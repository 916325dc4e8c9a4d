"""Settings from the environment, validated at start with errors that name the setting."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_PREFIX = "DGS_"
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

    @field_validator("dynamodb_endpoint_url", "cursor_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

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
_ENV_NAMES["aws_region"] = "AWS_REGION"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment)."""
    environ = os.environ if environ is None else environ
    raw = {field: environ[name] for field, name in _ENV_NAMES.items() if name in environ}
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{_ENV_NAMES.get(str(error['loc'][0]), error['loc'][0])}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]
        raise SettingsError("; ".join(problems)) from None
