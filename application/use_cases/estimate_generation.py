"""EstimateGeneration: what a generate request would call and cost, without calling a model.

A generation makes two calls (Gatherer, Structurer) and at most one Repair call. For each
step this says which model serves it, the input and output tokens expected (with a
range) and what that costs with the price table; the totals weigh the repair call by how
often one is needed. Served from the cache a request would cost nothing: the estimate is
for a generation that runs (as ``?cache=false`` or ``dgs eval``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from application.evaluation.token_model import (
    CHARS_PER_TOKEN,
    REPAIR_ERRORS,
    OutputForecast,
    TokenRange,
    approx_tokens,
    forecast_output,
    repair_rate,
)
from application.ports.estimation import (
    PriceList,
    RequestSizes,
    RoutePlanner,
    StepName,
    UsageHistory,
)
from application.ports.generation import ModelRoute
from application.use_cases.generate_lesson import GenerateRequest


@dataclass(frozen=True, slots=True)
class CostRange:
    """Lowest, expected and highest cost in USD."""

    low: float
    expected: float
    high: float


@dataclass(frozen=True, slots=True)
class StepEstimate:
    """One step: its route, how likely its call is, tokens and cost of that call."""

    step: StepName
    route: ModelRoute
    probability: float  # 1 for the Gatherer and Structurer; the repair rate for Repair
    input_tokens: TokenRange
    output_tokens: TokenRange
    reasoning_tokens: TokenRange
    cost_usd: CostRange | None  # None: no price for this model
    basis: str  # where the output figures come from: "history" or "length"
    samples: int  # past calls of this step and model the figures rest on


@dataclass(frozen=True, slots=True)
class Estimate:
    """The expected calls, per-step figures and total cost of one generation."""

    steps: tuple[StepEstimate, ...]
    calls_min: int
    calls_expected: float
    calls_max: int
    repair_rate_basis: str  # "history", "default" or "off"
    cost_usd: CostRange | None  # None when any step's model has no price

    @property
    def unpriced(self) -> tuple[ModelRoute, ...]:
        """Routes whose model is not in the price table."""
        return tuple(step.route for step in self.steps if step.cost_usd is None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of ``POST /v1/lessons/estimate`` and ``dgs estimate --json``."""
        return {
            "model_calls": {
                "min": self.calls_min,
                "expected": self.calls_expected,
                "max": self.calls_max,
            },
            "steps": [
                {
                    "step": step.step,
                    "provider": step.route.provider,
                    "model": step.route.model,
                    "calls": {"min": 1 if step.probability >= 1 else 0, "max": 1},
                    "probability": round(step.probability, 4),
                    "input_tokens": asdict(step.input_tokens),
                    "output_tokens": asdict(step.output_tokens),
                    "reasoning_tokens": asdict(step.reasoning_tokens),
                    "cost_usd": _rounded(step.cost_usd),
                    "basis": step.basis,
                    "samples": step.samples,
                }
                for step in self.steps
            ],
            "cost_usd": _rounded(self.cost_usd),
            "repair_rate_basis": self.repair_rate_basis,
            "unpriced": [f"{route.provider}/{route.model}" for route in self.unpriced],
            "method": METHOD,
        }


METHOD = (
    f"input: the prompt, widget guide and schema sent, about {CHARS_PER_TOKEN} characters per "
    "token; output: past runs of the same model when the store has them, else the length; "
    "a generation served from the cache costs nothing"
)


class EstimateGeneration:
    """The cost of a generate request before spending, from sizes, prices and history."""

    def __init__(
        self,
        routes: RoutePlanner,
        sizes: RequestSizes,
        prices: PriceList,
        history: UsageHistory,
        *,
        repair_enabled: bool = True,
    ) -> None:
        self._routes = routes
        self._sizes = sizes
        self._prices = prices
        self._history = history
        self._repair_enabled = repair_enabled

    async def __call__(self, request: GenerateRequest) -> Estimate:
        """The estimate of ``request`` (``InvalidRequestError`` for a bad one; no model call)."""
        topic = request.checked_topic()
        constraints = request.constraints
        routes = {step: self._routes.route(step, constraints) for step in self._steps()}
        past = await self._history.recent()
        sections = constraints.section_count

        def fixed(step: StepName) -> TokenRange:
            chars = self._sizes.fixed_chars(step, topic, constraints, request.schema_version)
            return TokenRange.exactly(approx_tokens(chars))

        gather = forecast_output("gatherer", routes["gatherer"], sections, past)
        structure = forecast_output("structurer", routes["structurer"], sections, past)
        steps = [
            self._step("gatherer", routes["gatherer"], 1.0, fixed("gatherer"), gather),
            # The Structurer reads the material the Gatherer wrote.
            self._step(
                "structurer",
                routes["structurer"],
                1.0,
                fixed("structurer") + gather.output,
                structure,
            ),
        ]
        rate, basis = 0.0, "off"
        if "repair" in routes:
            rate, basis = repair_rate(routes["structurer"], past)
            # The Repairer reads the lesson the Structurer wrote and its list of errors.
            carried = structure.output + TokenRange(
                REPAIR_ERRORS[1], REPAIR_ERRORS[0], REPAIR_ERRORS[2]
            )
            repair = forecast_output("repair", routes["repair"], sections, past)
            steps.append(
                self._step("repair", routes["repair"], rate, fixed("repair") + carried, repair)
            )
        return Estimate(
            steps=tuple(steps),
            calls_min=2,
            calls_expected=round(2 + rate, 4),
            calls_max=len(steps),
            repair_rate_basis=basis,
            cost_usd=_total(steps),
        )

    def _steps(self) -> tuple[StepName, ...]:
        if self._repair_enabled:
            return ("gatherer", "structurer", "repair")
        return ("gatherer", "structurer")

    def _step(
        self,
        step: StepName,
        route: ModelRoute,
        probability: float,
        input_tokens: TokenRange,
        forecast: OutputForecast,
    ) -> StepEstimate:
        output, reasoning = forecast.output, forecast.reasoning
        low = self._prices.cost_usd(route, input_tokens.low, output.low, reasoning.low)
        expected = self._prices.cost_usd(
            route, input_tokens.expected, output.expected, reasoning.expected
        )
        high = self._prices.cost_usd(route, input_tokens.high, output.high, reasoning.high)
        cost = (
            CostRange(low, expected, high)
            if low is not None and expected is not None and high is not None
            else None
        )
        return StepEstimate(
            step, route, probability, input_tokens, output, reasoning, cost,
            forecast.basis, forecast.samples,
        )  # fmt: skip


def _total(steps: list[StepEstimate]) -> CostRange | None:
    """Lowest: the two calls every generation makes; highest: every call; expected: weighed."""
    costs = [step.cost_usd for step in steps]
    if any(cost is None for cost in costs):
        return None
    priced = [(step, step.cost_usd) for step in steps if step.cost_usd is not None]
    return CostRange(
        low=round(sum(cost.low for step, cost in priced if step.probability >= 1.0), 8),
        expected=round(sum(cost.expected * step.probability for step, cost in priced), 8),
        high=round(sum(cost.high for _, cost in priced), 8),
    )


def _rounded(cost: CostRange | None) -> dict[str, float] | None:
    if cost is None:
        return None
    return {
        "low": round(cost.low, 8),
        "expected": round(cost.expected, 8),
        "high": round(cost.high, 8),
    }
