"""How many tokens a step is expected to read and write: the arithmetic of an estimate.

Input is counted from what is sent (prompt, widget guide, schema and the material or
lesson carried) at about four characters per token, the approximation the project uses
for schema sizes too (``domain.schema.llm.estimate_tokens``); text in scripts such as
Chinese or Japanese takes more tokens per character, so their inputs are underestimated.
Output comes from the requested length (sections) by a documented rule of thumb, or,
once the store holds at least ``MIN_SAMPLES`` past calls of the same step and model,
from those calls' tokens per section (lowest, mean and highest).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from application.evaluation.stats import mean
from application.ports.estimation import PastGeneration, StepName
from application.ports.generation import ModelRoute

CHARS_PER_TOKEN = 4
MIN_SAMPLES = 3
# Without history: output tokens = base + per_section x sections. The Gatherer writes the
# material (IDM); the Structurer and the Repairer write the whole lesson in full form.
OUTPUT_BASE: dict[StepName, int] = {"gatherer": 350, "structurer": 400, "repair": 400}
OUTPUT_PER_SECTION: dict[StepName, int] = {"gatherer": 250, "structurer": 650, "repair": 650}
# Without history the output range is half to twice the rule of thumb.
LOW_FACTOR, HIGH_FACTOR = 0.5, 2.0
# The error list a repair call carries: expected, lowest and highest (tokens).
REPAIR_ERRORS = (300, 50, 1500)
# The share of generations that need their one repair, until past runs say otherwise.
DEFAULT_REPAIR_RATE = 0.2


def approx_tokens(chars: int) -> int:
    """Tokens of ``chars`` characters of text (about four characters per token)."""
    return math.ceil(chars / CHARS_PER_TOKEN)


@dataclass(frozen=True, slots=True)
class TokenRange:
    """Lowest, expected and highest token count."""

    low: int
    expected: int
    high: int

    def __add__(self, other: TokenRange) -> TokenRange:
        return TokenRange(
            self.low + other.low, self.expected + other.expected, self.high + other.high
        )

    @classmethod
    def exactly(cls, tokens: int) -> TokenRange:
        """A count known in advance."""
        return cls(tokens, tokens, tokens)


@dataclass(frozen=True, slots=True)
class OutputForecast:
    """Output and reasoning tokens of one call, and what the figures rest on."""

    output: TokenRange
    reasoning: TokenRange
    basis: str  # "history" or "length"
    samples: int


def forecast_output(
    step: StepName, route: ModelRoute, sections: int, past: Sequence[PastGeneration]
) -> OutputForecast:
    """Output tokens of ``step`` on ``route`` for a lesson of ``sections`` sections."""
    output_rates: list[float] = []
    reasoning_rates: list[float] = []
    for generation in past:
        for usage in generation.usage:
            if usage.step == step and (usage.provider, usage.model) == (
                route.provider,
                route.model,
            ):
                per = max(generation.sections, 1)
                output_rates.append(usage.output_tokens / per)
                reasoning_rates.append(usage.reasoning_tokens / per)
    if len(output_rates) >= MIN_SAMPLES:
        return OutputForecast(
            _observed(output_rates, sections),
            _observed(reasoning_rates, sections),
            "history",
            len(output_rates),
        )
    expected = OUTPUT_BASE[step] + OUTPUT_PER_SECTION[step] * sections
    output = TokenRange(round(expected * LOW_FACTOR), expected, round(expected * HIGH_FACTOR))
    return OutputForecast(output, TokenRange.exactly(0), "length", len(output_rates))


def repair_rate(structurer: ModelRoute, past: Sequence[PastGeneration]) -> tuple[float, str]:
    """The share of generations with this Structurer that needed a repair, and its basis."""
    relevant = [
        generation
        for generation in past
        if any(
            usage.step == "structurer"
            and (usage.provider, usage.model) == (structurer.provider, structurer.model)
            for usage in generation.usage
        )
    ]
    if len(relevant) < MIN_SAMPLES:
        return DEFAULT_REPAIR_RATE, "default"
    return sum(g.repaired for g in relevant) / len(relevant), "history"


def _observed(rates: Sequence[float], sections: int) -> TokenRange:
    average = mean(rates) or 0.0
    return TokenRange(
        round(min(rates) * sections), round(average * sections), round(max(rates) * sections)
    )
