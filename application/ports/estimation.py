"""What estimating a generation needs: routes, request sizes, prices and past usage.

None of these calls a model: they describe what a generation would send and what it
would cost, so a user can know before spending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from application.ports.generation import ModelRoute
from application.records import StepUsage
from domain.generation import LessonConstraints

StepName = Literal["gatherer", "structurer", "repair"]


@runtime_checkable
class RoutePlanner(Protocol):
    """Which provider and model would serve a step (raises if none can)."""

    def route(self, step: StepName, constraints: LessonConstraints) -> ModelRoute:
        """The route of ``step`` for a request with ``constraints``."""
        ...


@runtime_checkable
class RequestSizes(Protocol):
    """How large each step's request is before the material or lesson it carries."""

    def fixed_chars(
        self, step: StepName, topic: str, constraints: LessonConstraints, schema_version: str
    ) -> int:
        """Characters of the instructions, widget guide, user message and JSON schema sent."""
        ...


@runtime_checkable
class PriceList(Protocol):
    """What a call costs with a route's model."""

    def cost_usd(
        self, route: ModelRoute, input_tokens: int, output_tokens: int, reasoning_tokens: int
    ) -> float | None:
        """USD for one call (reasoning billed as output), or None when the price is unknown."""
        ...


@dataclass(frozen=True, slots=True)
class PastGeneration:
    """What one stored lesson's generation used, and how many sections it wrote."""

    usage: tuple[StepUsage, ...]
    sections: int
    repaired: bool


@runtime_checkable
class UsageHistory(Protocol):
    """Recent generations' usage, for estimates that learn from past runs."""

    async def recent(self) -> Sequence[PastGeneration]:
        """The newest generations the store holds (a bounded sample; may be empty)."""
        ...
