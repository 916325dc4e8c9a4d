"""Provider routing, structured-output checks and cost accounting."""

from __future__ import annotations

import pytest

from adapters.llm.catalogue import cost_usd
from adapters.llm.config import LlmSettings
from adapters.llm.offline import sample_idm, sample_lesson
from adapters.llm.prompt_files import prompt_version
from application.errors import StructuredOutputUnavailableError
from application.ports.generation import ModelRoute
from domain.catalog.registry import SUPPORTED_VERSIONS, get_registry
from domain.generation import SECTIONS_BY_LENGTH, LessonConstraints
from domain.validation.document import validate_lesson

BALANCED, FAST, BEST = (LessonConstraints(mode=m) for m in ("balanced", "fast", "best"))


def test_without_keys_everything_is_offline() -> None:
    settings = LlmSettings()
    for step in ("gatherer", "structurer", "repair"):
        assert settings.route(step, BALANCED) == ModelRoute("offline", "offline-sample")


def test_a_key_picks_its_provider_and_documented_default_models() -> None:
    settings = LlmSettings(keys={"GEMINI_API_KEY": "k"})
    assert settings.route("gatherer", BALANCED) == ModelRoute("gemini", "gemini-2.5-flash")
    assert settings.route("structurer", BALANCED) == ModelRoute("gemini", "gemini-2.5-flash-lite")
    assert settings.route("repair", BALANCED) == ModelRoute("gemini", "gemini-2.5-flash-lite")
    both = LlmSettings(keys={"OPENAI_API_KEY": "k", "OPENROUTER_API_KEY": "k"})
    assert both.route("gatherer", BALANCED).provider == "openrouter"


def test_explicit_routing_and_per_mode_overrides() -> None:
    settings = LlmSettings(
        keys={"OPENAI_API_KEY": "k", "GEMINI_API_KEY": "k"},
        providers={"gatherer": "gemini", "structurer": "openai"},
        models={
            "structurer": "gpt-4.1-mini",
            "structurer:best": "gpt-4.1",
            "gatherer:fast": "gemini-2.5-flash-lite",
        },
    )
    assert settings.route("gatherer", FAST) == ModelRoute("gemini", "gemini-2.5-flash-lite")
    assert settings.route("gatherer", BEST) == ModelRoute("gemini", "gemini-2.5-flash")
    assert settings.route("structurer", BEST) == ModelRoute("openai", "gpt-4.1")
    assert settings.route("repair", BALANCED) == ModelRoute(
        "openai", "gpt-4.1-mini"
    )  # the structurer's


def test_models_without_json_schema_output_are_refused() -> None:
    settings = LlmSettings(keys={"OPENAI_API_KEY": "k"}, models={"structurer": "gpt-3.5-turbo"})
    with pytest.raises(StructuredOutputUnavailableError, match=r"gpt-3\.5-turbo"):
        settings.route("structurer", BALANCED)
    compatible = LlmSettings(
        providers={"gatherer": "compatible"}, compatible_structured_output=True
    )
    with pytest.raises(StructuredOutputUnavailableError, match="no model configured"):
        compatible.route("gatherer", BALANCED)


def test_cost_bills_reasoning_as_output_once() -> None:
    # gpt-4.1-mini: $0.40 in, $1.60 out per million tokens
    included = cost_usd(
        "openai", "gpt-4.1-mini", 1_000_000, 500_000, 200_000, reasoning_in_output=True
    )
    assert included == pytest.approx(0.40 + 0.5 * 1.60)
    separate = cost_usd(
        "openai", "gpt-4.1-mini", 1_000_000, 500_000, 200_000, reasoning_in_output=False
    )
    assert separate == pytest.approx(0.40 + 0.7 * 1.60)
    assert cost_usd("compatible", "llama3", 10, 10, 0, reasoning_in_output=True) == 0.0


def test_prompt_version_names_the_series_and_the_content() -> None:
    assert prompt_version().startswith("v1-")
    assert len(prompt_version()) == len("v1-") + 10


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
@pytest.mark.parametrize("length", list(SECTIONS_BY_LENGTH))
def test_offline_lessons_are_valid_use_every_widget_and_follow_the_length(
    version: str, length: str
) -> None:
    constraints = LessonConstraints(length=length)
    lesson = sample_lesson(sample_idm("The water cycle", constraints), version)
    result = validate_lesson(lesson)
    assert result.ok, result.errors
    assert result.warnings == ()
    catalog = get_registry().catalog(version)
    used = {catalog.block_widget.key}
    for block in lesson["blocks"]:
        for item in block.get("items", []):
            used.add("p" if isinstance(item, str) else next(iter(item)))
    assert used == set(catalog.widgets)
    assert len([b for b in lesson["blocks"] if "section" in b]) == SECTIONS_BY_LENGTH[length]
    assert "offline provider" in str(lesson)


def test_the_repair_step_is_checked_only_when_repair_may_run() -> None:
    """DGS_REPAIR_ENABLED has one home, the use case; start-up checks take it as an argument."""
    settings = LlmSettings(
        keys={"GEMINI_API_KEY": "k"}, providers={"repair": "openai"}, models={"repair": "gpt-4.1"}
    )
    assert settings.problems(repair=True) == [
        "OPENAI_API_KEY: required by DGS_REPAIR_PROVIDER=openai"
    ]
    assert settings.problems(repair=False) == []
