"""What each model costs and can do, from ``catalogue.json`` (a data file, not code)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """Prices in USD per million tokens, and structured-output support."""

    input_per_mtok: float
    output_per_mtok: float
    json_schema: bool


@cache
def _table() -> dict[str, ModelFacts]:
    text = resources.files("adapters.llm").joinpath("catalogue.json").read_text(encoding="utf-8")
    return {name: ModelFacts(**facts) for name, facts in json.loads(text)["models"].items()}


def model_facts(provider: str, model: str) -> ModelFacts | None:
    """The known facts of a model, or None for a model not in the table."""
    return _table().get(f"{provider}/{model}")


def cost_usd(
    provider: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    reasoning_tokens: int,
    *,
    reasoning_in_output: bool,
) -> float:
    """Approximate cost of one call; 0 for models without a price.

    Reasoning tokens are billed as output. Providers that already count them inside
    ``output_tokens`` (OpenAI's convention) must not be charged twice.
    """
    facts = model_facts(provider, model)
    if facts is None:
        return 0.0
    billed_output = output_tokens if reasoning_in_output else output_tokens + reasoning_tokens
    return (input_tokens * facts.input_per_mtok + billed_output * facts.output_per_mtok) / 1_000_000
