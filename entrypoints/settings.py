"""Settings from the environment, validated at start with errors that name the setting.

Everything is checked before anything starts: unknown ``DGS_*`` names, each value, the
combinations (storage, providers), and secrets named by reference (``*_SECRET_ARN``,
``*_PARAMETER``) are read. A bad setting stops start-up with every problem at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from application.deadline import WRITE_MARGIN
from application.principal import AuthMode
from entrypoints.setting_sources import (
    DOTENV_VARIABLE,
    ENV_PREFIX,
    SECRET_SUFFIXES,
    Environment,
    SourceError,
    process_environment,
    read_references,
    secret_references,
    unknown_names,
)

Provider = Literal["gemini", "openrouter", "openai", "compatible", "offline"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
_CURSOR_SECRET_FILE = ".cursor-secret"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


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
    cursor_secret: SecretStr | None = Field(default=None, min_length=16)

    # The HTTP API.
    dev_key: SecretStr | None = Field(default=None, min_length=16)
    allowed_origins: str = ""  # comma-separated exact origins
    trusted_proxy_header: str | None = None
    trusted_proxy_hops: int = Field(default=1, ge=1, le=10)  # proxies that append to it
    rate_limit_per_hour: int = Field(default=10, ge=1, le=100_000)
    daily_generation_budget: int = Field(default=500, ge=1, le=10_000_000)
    # Generations per caller (user, or the dev tenant) and UTC month; cache hits are free.
    monthly_quota: int = Field(default=300, ge=1, le=10_000_000)
    cache_ttl_seconds: int = Field(default=86_400, ge=0, le=30 * 86_400)
    repair_log_ttl_days: int = Field(default=90, ge=1, le=3650)
    # A deleted lesson is purged with its body this long after DELETE (0: at the next sweep).
    deleted_retention_days: int = Field(default=30, ge=0, le=3650)
    openapi_enabled: bool = True
    # `dgs serve` closes a connection that sends nothing for this long (a stalled body).
    http_read_timeout_seconds: int = Field(default=3, ge=1, le=300)
    http_body_timeout_seconds: int = Field(default=10, ge=1, le=300)

    # Who may call: the dev key (local development and tests), Cognito tokens, or both.
    auth_mode: AuthMode = "dev-key"
    # The formats of Cognito's API reference (UserPoolType.Id, UserPoolClientType.ClientId).
    cognito_user_pool_id: str | None = Field(
        default=None, max_length=55, pattern=r"^[A-Za-z0-9-]+_[0-9A-Za-z]+$"
    )
    cognito_app_client_id: str | None = Field(
        default=None, max_length=128, pattern=r"^[A-Za-z0-9_+]+$"
    )
    cognito_token_use: Literal["access", "id"] = "access"
    cognito_jwks_url: str | None = None  # default: the pool issuer's /.well-known/jwks.json

    # Logs and metrics. No format: text on a terminal under `dgs serve`, else JSON (always
    # JSON on Lambda). /metrics needs the key unless metrics_public.
    log_format: Literal["json", "text"] | None = None
    log_level: LogLevel = "INFO"
    metrics_public: bool = False

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
    # The platform's limit on one request (the SAM template sets it to the function's
    # Timeout; Lambda allows at most 900 s, per the AWS Lambda quotas page). None: no limit.
    deployment_timeout_seconds: float | None = Field(default=None, gt=0, le=900)
    model_max_attempts: int = Field(default=3, ge=1, le=6)
    agents_tracing: bool = False

    # Generation jobs (issue 13). With a queue URL the API enqueues jobs to that SQS queue
    # for `dgs worker` or the worker Lambda, instead of its in-process worker.
    job_queue_url: str | None = None
    worker_concurrency: int = Field(default=4, ge=1, le=100)  # jobs one worker runs at once
    # How long a worker's claim on a running job lasts without a heartbeat (renewed every
    # third of it): a killed worker's job is taken over or failed once it has expired.
    job_lease_seconds: float = Field(default=30.0, ge=1, le=900)
    # How often the in-process pool looks for jobs whose lease expired or that nobody claimed.
    job_sweep_seconds: float = Field(default=10.0, gt=0, le=600)

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
        "deployment_timeout_seconds",
        "cognito_user_pool_id",
        "cognito_app_client_id",
        "cognito_jwks_url",
        "log_format",
        "job_queue_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return value.lower() if value.lower() in ("json", "text") else value.upper()

    @field_validator("deployment_timeout_seconds")
    @classmethod
    def _deadline_fits(cls, value: float | None, info: ValidationInfo) -> float | None:
        # A generation answers by its deadline, then writes within WRITE_MARGIN: the
        # platform must not cut it off before (or the client gets no answer at all).
        deadline = info.data.get("generation_deadline_seconds")
        margin = WRITE_MARGIN.total_seconds()
        if value is not None and deadline is not None and deadline >= value - margin:
            raise ValueError(
                f"must exceed DGS_GENERATION_DEADLINE_SECONDS ({deadline:g} s) by more than "
                f"{margin:g} s for the writes after it; it is {value:g} s: lower "
                "DGS_GENERATION_DEADLINE_SECONDS or raise the timeout"
            )
        return value

    @model_validator(mode="after")
    def _usable_together(self) -> Settings:
        problems = []
        if self.storage == "dynamodb" and self.cursor_secret is None:
            # Every instance must sign cursors alike; a per-instance file would not do.
            problems.append("DGS_CURSOR_SECRET: required when DGS_STORAGE=dynamodb")
        problems.extend(self._auth_problems())
        # Imported here: llm_wiring's factories take a Settings (this module).
        from entrypoints.llm_wiring import llm_settings

        problems.extend(llm_settings(self).problems(repair=self.repair_enabled))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _auth_problems(self) -> list[str]:
        """Token modes name their pool and client, in AWS_REGION; cognito has no dev key."""
        if self.auth_mode == "dev-key":
            return []
        problems = [
            f"{name}: required when DGS_AUTH_MODE={self.auth_mode}"
            for name, value in (
                ("DGS_COGNITO_USER_POOL_ID", self.cognito_user_pool_id),
                ("DGS_COGNITO_APP_CLIENT_ID", self.cognito_app_client_id),
            )
            if value is None
        ]
        pool = self.cognito_user_pool_id
        if pool is not None and pool.split("_", 1)[0] != self.aws_region:
            # Pool ids are "{region}_{id}", and the issuer every token is checked against
            # is https://cognito-idp.{AWS_REGION}.amazonaws.com/{pool id}.
            problems.append(
                f"DGS_COGNITO_USER_POOL_ID: the pool {pool} is not in AWS_REGION "
                f"({self.aws_region}); no token of it could verify"
            )
        if self.auth_mode == "cognito" and self.dev_key is not None:
            problems.append(
                "DGS_DEV_KEY: not accepted when DGS_AUTH_MODE=cognito (bearer tokens only); "
                "remove it, or set DGS_AUTH_MODE=both"
            )
        return problems

    @field_validator("cognito_jwks_url")
    @classmethod
    def _keys_over_https(cls, value: str | None) -> str | None:
        # Keys fetched over plain HTTP could be swapped in transit, and then any forged
        # token verifies: only a loopback server (tests, a local IdP) may use http://.
        if value is None:
            return value
        parts = urlsplit(value)
        if not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
        ):
            raise ValueError(
                f"{value!r} is not an https:// URL (http:// only on 127.0.0.1 or localhost)"
            )
        return value

    @field_validator("job_queue_url")
    @classmethod
    def _queue_url(cls, value: str | None) -> str | None:
        # SQS queue URLs are https://sqs.REGION.amazonaws.com/ACCOUNT/NAME; a local SQS
        # (ElasticMQ, moto) answers on http:// with the same /ACCOUNT/NAME path.
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path in ("", "/"):
            raise ValueError(
                f"{value!r} is not an SQS queue URL such as "
                "https://sqs.us-east-1.amazonaws.com/123456789012/dgs-jobs"
            )
        return value

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
            return self.cursor_secret.get_secret_value().encode()
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
# Settings holding a secret: each may instead name a Secrets Manager secret or an SSM
# parameter (NAME_SECRET_ARN, NAME_PARAMETER), read at start.
SECRET_FIELDS = tuple(
    name for name, field in Settings.model_fields.items() if SecretStr in get_args(field.annotation)
)
_SECRET_NAMES = {_ENV_NAMES[field]: field for field in SECRET_FIELDS}
# Stands in for a secret not read yet, so every other check runs before any AWS call.
_UNREAD_SECRET = "unread-secret-placeholder-0000"


def known_names() -> frozenset[str]:
    """Every variable DGS reads: the settings, the secret references and DGS_DOTENV_FILE."""
    references = {name + suffix for name in _SECRET_NAMES for suffix in SECRET_SUFFIXES}
    return frozenset({*_ENV_NAMES.values(), *references, DOTENV_VARIABLE})


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment, over ./.env).

    An empty value means the default. Raises ``SettingsError`` naming every problem:
    unknown ``DGS_*`` names, bad values, and secrets that cannot be read.
    """
    try:
        environment = process_environment(dotenv) if environ is None else Environment(environ, {})
    except (SourceError, OSError, UnicodeDecodeError) as exc:
        raise SettingsError(str(exc)) from None
    values = environment.values
    problems = list(unknown_names(environment, known_names()))
    references, reference_problems = secret_references(values, _SECRET_NAMES)
    problems += reference_problems
    raw: dict[str, str] = {
        field: values[name] for field, name in _ENV_NAMES.items() if values.get(name, "") != ""
    }
    for name in references:
        raw[_SECRET_NAMES[name]] = _UNREAD_SECRET
    settings, field_problems = _validate(raw, {})
    if problems or field_problems or settings is None:
        raise SettingsError("; ".join(problems + field_problems))
    if not references:
        return settings
    secret_values, read_problems = read_references(references, settings.aws_region)
    if read_problems:
        raise SettingsError("; ".join(read_problems))
    for name, value in secret_values.items():
        raw[_SECRET_NAMES[name]] = value
    sources = {_SECRET_NAMES[name]: ref.setting for name, ref in references.items()}
    settings, field_problems = _validate(raw, sources)
    if settings is None:
        raise SettingsError("; ".join(field_problems))
    return settings


def _validate(
    raw: Mapping[str, str], sources: Mapping[str, str]
) -> tuple[Settings | None, list[str]]:
    """The settings, or each problem named by its variable (and where a secret came from)."""
    try:
        return Settings.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            message = error["msg"].removeprefix("Value error, ")
            if not error["loc"]:  # a model-level rule: its message names the settings
                problems.append(message)
                continue
            field = str(error["loc"][0])
            name = _ENV_NAMES.get(field, field)
            if field in sources:
                name = f"{name} (from {sources[field]})"
            problems.append(f"{name}: {message}")
        return None, problems
