"""Providers and routing: which provider and model serve each step, per mode.

Providers are profiles over the OpenAI-compatible Chat Completions API. With no key
configured the default provider is ``offline`` (sample lessons, no account).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from adapters.llm.catalogue import model_facts
from application.errors import StructuredOutputUnavailableError
from application.ports.generation import ModelRoute
from domain.generation import LessonConstraints
from domain.values.constraints import Mode

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
COMPATIBLE = "compatible"
COMPATIBLE_KEY = "DGS_COMPATIBLE_API_KEY"


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
    tracing: bool = False

    def default_provider(self) -> str:
        """The OpenAI-compatible server if its URL is set, else the first keyed, else offline.

        The URL is a DGS setting made for exactly this, while a provider key may be in
        the environment for other tools.
        """
        if self.compatible_base_url:
            return COMPATIBLE
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
        model, _ = self._model(step, provider, constraints.mode)
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

    def problems(self, *, repair: bool) -> list[str]:
        """What would stop a step in any mode, naming the setting to change; no call is made.

        Checked at start-up, so a configured provider is either used or refused with a
        reason, never replaced by the offline samples. The repair step is checked only
        when it may run (``repair``: ``DGS_REPAIR_ENABLED``, which the use case applies).
        """
        found: dict[str, None] = {}  # ordered, without repeats (repair shares settings)
        if self.keys.get(COMPATIBLE_KEY) and not self.compatible_base_url:
            found[f"DGS_COMPATIBLE_BASE_URL: required when {COMPATIBLE_KEY} is set"] = None
        steps: tuple[Step, ...] = ("gatherer", "structurer", "repair")
        for step in steps if repair else steps[:2]:
            found.update(dict.fromkeys(self._step_problems(step)))
        return list(found)

    def _step_problems(self, step: Step) -> Iterator[str]:
        provider = self._provider(step)
        profile = PROFILES[provider]
        chosen_by = f"{_provider_setting(self._routing_step(step))}={provider}"
        if provider == COMPATIBLE and not self.compatible_base_url:
            yield f"DGS_COMPATIBLE_BASE_URL: required by {chosen_by}"
        elif provider not in (COMPATIBLE, OFFLINE) and not self.key_of(profile):
            yield f"{profile.key_variable}: required by {chosen_by}"
        for mode in get_args(Mode):
            model, setting = self._model(step, provider, mode)
            if not model:
                yield f"{setting}: required: the {provider} provider has no default model"
            elif provider == COMPATIBLE and not self.compatible_structured_output:
                yield (
                    f"DGS_COMPATIBLE_STRUCTURED_OUTPUT: false, so {provider}/{model} cannot "
                    f"give the JSON-schema output the {step} step needs"
                )
            elif not self._structured_output(provider, model):
                yield f"{setting}: {provider}/{model} does not support JSON-schema output"

    def _model(self, step: Step, provider: str, mode: str) -> tuple[str | None, str]:
        """The model of a step in a mode, and the setting that chose it (or would)."""
        lookup = "structurer" if step == "repair" and not self.models.get("repair") else step
        for key, setting in ((f"{lookup}:{mode}", f"_{mode.upper()}"), (lookup, "")):
            if self.models.get(key):
                return self.models[key], f"DGS_{lookup.upper()}_MODEL{setting}"
        return PROFILES[provider].default_models.get(lookup), f"DGS_{lookup.upper()}_MODEL"

    def _routing_step(self, step: Step) -> Step:
        """The step whose provider setting routes ``step`` (repair follows the structurer)."""
        return "structurer" if step == "repair" and not self.providers.get("repair") else step

    def _provider(self, step: Step) -> str:
        return self.providers.get(self._routing_step(step)) or self.default_provider()

    def _structured_output(self, provider: str, model: str) -> bool:
        if provider == COMPATIBLE:
            return self.compatible_structured_output
        facts = model_facts(provider, model)
        return True if facts is None else facts.json_schema


def _provider_setting(step: Step) -> str:
    return f"DGS_{step.upper()}_PROVIDER"
