"""``POST /v1/lessons/estimate``: what a generate request would call and cost, before spending.

The body is the generate body; the answer lists the model calls, tokens and a cost range
per step with the configured models. No model is called, nothing is stored, and no
rate-limit token or daily budget is taken: asking is free (the route is guarded by the
key like every /v1 route).
"""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Struct

from adapters.http import wire
from adapters.http.lessons import generate_request, require_json
from adapters.http.responses import problems
from application.use_cases.estimate_generation import EstimateGeneration


class Tokens(Struct, kw_only=True):
    """Lowest, expected and highest token count of one call."""

    low: int
    expected: int
    high: int


class Cost(Struct, kw_only=True):
    """Lowest, expected and highest cost in USD."""

    low: float
    expected: float
    high: float


class Calls(Struct, kw_only=True):
    """How many calls a step makes: the repair call happens only for an invalid lesson."""

    min: int
    max: int


class ModelCalls(Struct, kw_only=True):
    """Model calls of the whole generation; ``expected`` weighs the repair by its rate."""

    min: int
    expected: float
    max: int


class StepEstimate(Struct, kw_only=True):
    """One step: its model, calls, tokens and cost (``cost_usd`` null: no price known)."""

    step: Literal["gatherer", "structurer", "repair"]
    provider: str
    model: str
    calls: Calls
    probability: float
    input_tokens: Tokens
    output_tokens: Tokens
    reasoning_tokens: Tokens
    cost_usd: Cost | None
    basis: Literal["history", "length"]
    samples: int


class Estimate(Struct, kw_only=True):
    """The estimate of one generation (not served from the cache)."""

    model_calls: ModelCalls
    steps: list[StepEstimate]
    cost_usd: Cost | None
    repair_rate_basis: Literal["history", "default", "off"]
    unpriced: list[str]
    method: str


@post(
    "/v1/lessons/estimate",
    status_code=200,
    request_max_body_size=8 * 1024,
    guards=[require_json],
    responses=problems(400, 401, 413, 415, 422, 503),
    summary="Estimate a generation's calls and cost",
)
async def estimate(
    data: JSONBody[wire.GenerateBody], estimator: NamedDependency[EstimateGeneration]
) -> Estimate:
    """The model calls, tokens and cost range per step a generate request would take.

    No model call is made and no rate-limit token is taken. Output tokens come from the
    store's past runs of the same models when it has at least three, else from the length.
    """
    result = await estimator(generate_request(data))
    return msgspec.convert(result.to_dict(), type=Estimate)


ESTIMATE_ROUTES = [estimate]
