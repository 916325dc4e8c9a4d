"""Factories for the generation steps.

openai and agents are imported only when a real provider is used, on the first
generation; the offline provider needs neither.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from adapters.llm.config import OFFLINE, LlmSettings, Step
from adapters.llm.offline import OfflineGatherer, OfflineRepairer, OfflineStructurer
from application.ports.generation import Gatherer, Repairer, Structurer
from entrypoints.resources import Resources
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from adapters.llm.clients import ProviderClients


def llm_settings(settings: Settings) -> LlmSettings:
    """The model adapters' view of the settings."""

    def secret(value: object) -> str | None:
        return value.get_secret_value() if value is not None else None  # type: ignore[attr-defined]

    keys = {
        "GEMINI_API_KEY": secret(settings.gemini_api_key),
        "OPENROUTER_API_KEY": secret(settings.openrouter_api_key),
        "OPENAI_API_KEY": secret(settings.openai_api_key),
        "DGS_COMPATIBLE_API_KEY": secret(settings.compatible_api_key),
    }
    models = {
        "gatherer": settings.gatherer_model,
        "gatherer:fast": settings.gatherer_model_fast,
        "gatherer:best": settings.gatherer_model_best,
        "structurer": settings.structurer_model,
        "structurer:fast": settings.structurer_model_fast,
        "structurer:best": settings.structurer_model_best,
        "repair": settings.repair_model,
    }
    return LlmSettings(
        keys={name: value for name, value in keys.items() if value},
        providers={
            "gatherer": settings.gatherer_provider,
            "structurer": settings.structurer_provider,
            "repair": settings.repair_provider,
        },
        models={step: model for step, model in models.items() if model},
        compatible_base_url=settings.compatible_base_url,
        compatible_structured_output=settings.compatible_structured_output,
        call_timeout=settings.model_timeout_seconds,
        deadline=settings.generation_deadline_seconds,
        max_attempts=settings.model_max_attempts,
        tracing=settings.agents_tracing,
    )


def provider_clients(settings: LlmSettings, resources: Resources) -> ProviderClients:
    """The OpenAI-compatible clients (imports openai and agents; closed at shutdown)."""
    from adapters.llm.clients import ProviderClients
    from adapters.llm.steps import AgentsGatherer  # noqa: F401 - the whole SDK, before freezing

    clients = ProviderClients(settings)
    resources.on_close(clients.close)
    _freeze_what_is_loaded()
    return clients


# The collector's thresholds once the SDKs are frozen (CPython's are 700, 10, 10).
YOUNG_THRESHOLD = 5000  # new container objects between young collections
MIDDLE_THRESHOLD = 50  # young collections between middle ones
FULL_THRESHOLD = 10  # middle collections between full ones


@cache
def _freeze_what_is_loaded() -> None:
    """Once per process, when openai and agents are loaded: the collector leaves them be.

    They and what they import are hundreds of thousands of objects that live as long as
    the process: every full collection would walk them all, holding the event loop for a
    large part of a second with many generations in flight. What is garbage now is
    collected first, so only live objects are set aside.

    With so little left unfrozen, CPython's thresholds ran a full collection every ~70,000
    new objects, about once per hundred generations: in a burst of a hundred, one 15-35 ms
    pause of the event loop, and a dozen middle ones (measured by ``bench.bench_generation``).
    A generation's objects mostly die young (freed by their count, not the collector), so
    young collections are made rarer and the older ones much rarer: a burst now sees a few
    young collections of ~1-2 ms each, a third of the collector's time before.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, FULL_THRESHOLD)


def _offline(settings: LlmSettings, step: Step) -> bool:
    chosen = settings.providers.get(step) or (
        settings.providers.get("structurer") if step == "repair" else None
    )
    return (chosen or settings.default_provider()) == OFFLINE


def gatherer(settings: LlmSettings, clients: Callable[[], ProviderClients]) -> Gatherer:
    """The Gatherer of the configured provider."""
    if _offline(settings, "gatherer"):
        return OfflineGatherer()
    from adapters.llm.steps import AgentsGatherer

    return AgentsGatherer(settings, clients())


def structurer(settings: LlmSettings, clients: Callable[[], ProviderClients]) -> Structurer:
    """The Structurer of the configured provider."""
    if _offline(settings, "structurer"):
        return OfflineStructurer()
    from adapters.llm.steps import AgentsStructurer

    return AgentsStructurer(settings, clients())


def repairer(settings: LlmSettings, clients: Callable[[], ProviderClients]) -> Repairer:
    """The Repairer of the configured provider (default: the structurer's)."""
    if _offline(settings, "repair"):
        return OfflineRepairer()
    from adapters.llm.steps import AgentsRepairer

    return AgentsRepairer(settings, clients())
