"""Providers and routing: which provider and model serve each step, per mode.

Providers are profiles over the OpenAI-compatible Chat Completions API. With no key
configured the default provider is ``offline`` (sample lessons, no account).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from adapters.llm.catalogue import model_facts
from application.errors import StructuredOutputUnavailableError
from application.ports.generation import ModelRoute
from domain.generation import LessonConstraints

Step = Literal["gatherer", "structurer", "repair"]
OFFLINE = "offline"
OFFLINE_MODEL = "offline-sample"


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    """How to reach one provider."""

    name: str
    base_url: str | None
    key_variable: str | None
    default_models: Mapping[str, str]  # step -> model, when the settings name none
    reasoning_in_output: bool = True  # OpenAI counts reasoning inside completion tokens
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    # Whose schema rules judge what this provider is sent (domain.schema.profiles).
    schema_profile: str = "openai"


PROFILES: Mapping[str, ProviderProfile] = {
    "gemini": ProviderProfile(
        "gemini",
        "https://generativelanguage.googleapis.com/v1beta/openai/",
        "GEMINI_API_KEY",
        {"gatherer": "gemini-2.5-flash", "structurer": "gemini-2.5-flash-lite"},
        schema_profile="gemini",
    ),
    "openrouter": ProviderProfile(
        "openrouter",
        "https://openrouter.ai/api/v1",
        "OPENROUTER_API_KEY",
        {"gatherer": "google/gemini-2.5-flash", "structurer": "openai/gpt-4.1-mini"},
        # Route only to upstream providers that honour response_format (strict schema).
        extra_body={"provider": {"require_parameters": True}},
    ),
    "openai": ProviderProfile(
        "openai",
        "https://api.openai.com/v1",
        "OPENAI_API_KEY",
        {"gatherer": "gpt-4.1", "structurer": "gpt-4.1-mini"},
    ),
    "compatible": ProviderProfile(
        "compatible", None, "DGS_COMPATIBLE_API_KEY", {}, schema_profile="grammar"
    ),
    OFFLINE: ProviderProfile(
        OFFLINE, None, None, {"gatherer": OFFLINE_MODEL, "structurer": OFFLINE_MODEL}
    ),
}
KEYED_DEFAULT_ORDER = ("gemini", "openrouter", "openai")


@dataclass(frozen=True, slots=True)
class LlmSettings:
    """Everything the model adapters need from the settings."""

    keys: Mapping[str, str] = field(default_factory=dict)  # key variable -> value
    providers: Mapping[str, str | None] = field(default_factory=dict)  # step -> provider
    models: Mapping[str, str | None] = field(default_factory=dict)  # "step" or "step:mode"
    compatible_base_url: str | None = None
    compatible_structured_output: bool = True
    call_timeout: float = 60.0
    connect_timeout: float = 5.0
    deadline: float = 150.0
    max_attempts: int = 3
    repair_enabled: bool = True
    tracing: bool = False

    def default_provider(self) -> str:
        """The first provider with a key, else offline."""
        return next((p for p in KEYED_DEFAULT_ORDER if self.key_of(PROFILES[p])), OFFLINE)

    def key_of(self, profile: ProviderProfile) -> str | None:
        """The API key of a provider, if configured."""
        return self.keys.get(profile.key_variable) if profile.key_variable else None

    def route(self, step: Step, constraints: LessonConstraints) -> ModelRoute:
        """The provider and model of a step for the request's mode.

        Raises ``StructuredOutputUnavailableError`` before any call when the model is
        known not to support JSON-schema structured output.
        """
        provider = self._provider(step)
        profile = PROFILES[provider]
        lookup = "structurer" if step == "repair" and not self.models.get("repair") else step
        model = (
            self.models.get(f"{lookup}:{constraints.mode}")
            or self.models.get(lookup)
            or profile.default_models.get(lookup)
        )
        if not model:
            raise StructuredOutputUnavailableError(
                f"no model configured for the {step} step on provider {provider!r}"
            )
        if not self._structured_output(provider, model):
            raise StructuredOutputUnavailableError(
                f"{provider}/{model} does not support JSON-schema structured output; "
                f"configure a model that does for the {step} step"
            )
        return ModelRoute(provider, model)

    def _provider(self, step: Step) -> str:
        chosen = self.providers.get(step)
        if step == "repair" and not chosen:
            chosen = self.providers.get("structurer")
        return chosen or self.default_provider()

    def _structured_output(self, provider: str, model: str) -> bool:
        if provider == "compatible":
            return self.compatible_structured_output
        facts = model_facts(provider, model)
        return True if facts is None else facts.json_schema
