"""Run one agent step: the one place where model calls are retried, and errors typed.

Retries are bounded (``max_attempts``) and stay inside the generation's deadline, which
every step of the generation shares: no call runs past it (it is cancelled at the
deadline), a 429's Retry-After is honoured only when it fits, 5xx and connection failures
back off within it. Everything else maps to a typed ``GenerationError``.

A step is one model turn: instructions and a prompt in, one structured output out, no
tools, handoffs, guardrails or hooks. It calls the agent's model (the agents SDK's
``Model.get_response``: its request building, its response conversion) and reads the
output with the agent's output schema, as ``Runner.run`` does for such an agent, without
the Runner's machinery for everything a step does not use (run state, agent identity
maps, sandboxes, tool trackers, a dozen tasks): ~1.5 ms of event loop per call, a third
of a step's own CPU. A completion with no output text is read as empty text at once (the
material fails as bad output; a lesson is unreadable output, repaired once), where the
Runner asked again, up to ten times, and then failed with an unmapped ``MaxTurnsExceeded``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import openai
from agents import (
    AgentOutputSchemaBase,
    ItemHelpers,
    Model,
    ModelSettings,
    ModelTracing,
    Usage,
    agent_span,
    trace,
)
from agents.exceptions import ModelBehaviorError, ModelRefusalError, ModelTimeoutError
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage

from adapters.llm.observe import observing
from adapters.llm.provider_errors import schema_rejection
from application.deadline import Deadline
from application.errors import (
    BadModelOutputError,
    ModelRefusedError,
    OutputTruncatedError,
    ProviderRateLimitedError,
    ProviderRejectedSchemaError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)

log = logging.getLogger("dgs.llm")
_BACKOFF_BASE = 0.5


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """The step's output and the tokens it used."""

    output: Any
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int


@dataclass(frozen=True, slots=True)
class StepAgent:
    """A step's agent: its model, the model's settings, and the structured output it asks.

    Made once per route (and catalog version) and shared by every call: it holds nothing
    of a call (each call's instructions are the prompt written for its request).
    """

    name: str
    model: Model
    settings: ModelSettings
    output: AgentOutputSchemaBase


@dataclass(frozen=True, slots=True)
class StepPolicy:
    """How long and how often a step may try."""

    deadline: Deadline  # the generation's: every attempt and wait draws from it
    max_attempts: int
    tracing: bool = False


async def run_step(
    agent: StepAgent, prompt: str, instructions: str, policy: StepPolicy, label: str
) -> StepOutcome:
    """Run ``agent`` on ``prompt`` with ``instructions``, retrying what is worth retrying."""
    attempt = 0
    while True:
        attempt += 1
        remaining = policy.deadline.remaining()
        if remaining <= 0:
            raise ProviderTimeoutError(policy.deadline.exceeded(label))
        with observing() as observed:
            try:
                output, usage = await asyncio.wait_for(
                    _one_turn(agent, prompt, instructions, policy.tracing), timeout=remaining
                )
            except ModelRefusalError as exc:
                raise ModelRefusedError(f"the model refused the {label} step") from exc
            except ModelBehaviorError as exc:
                if observed.truncated:
                    raise OutputTruncatedError(f"the {label} output hit the token limit") from exc
                raise BadModelOutputError(f"the {label} output was not the JSON asked for") from exc
            except openai.RateLimitError as exc:
                wait = _retry_after(exc) or _backoff(attempt)
                if attempt < policy.max_attempts and wait < policy.deadline.remaining():
                    log.info("%s: rate limited, retrying in %.1fs", label, wait)
                    await asyncio.sleep(wait)
                    continue
                raise ProviderRateLimitedError(
                    f"the provider rate limited the {label} step", _retry_after(exc)
                ) from exc
            except (openai.APITimeoutError, ModelTimeoutError, TimeoutError) as exc:
                if policy.deadline.passed:
                    raise ProviderTimeoutError(policy.deadline.exceeded(label)) from exc
                raise ProviderTimeoutError(
                    f"the model did not answer the {label} step in time"
                ) from exc
            except (openai.InternalServerError, openai.APIConnectionError) as exc:
                wait = _backoff(attempt)
                if attempt < policy.max_attempts and wait < policy.deadline.remaining():
                    log.info(
                        "%s: provider failed (%s), retrying in %.1fs",
                        label,
                        type(exc).__name__,
                        wait,
                    )
                    await asyncio.sleep(wait)
                    continue
                raise ProviderUnavailableError(f"the provider failed the {label} step") from exc
            except openai.BadRequestError as exc:  # a refused schema is never retried
                rejected = schema_rejection(exc.body)
                if rejected is None:
                    raise ProviderUnavailableError(
                        f"the provider refused the {label} request (HTTP 400)"
                    ) from exc
                raise ProviderRejectedSchemaError(
                    f"the provider rejected the JSON schema of the {label} step: {rejected}"
                ) from exc
            except openai.APIStatusError as exc:  # 400, 401, 403, 404...: retrying will not help
                raise ProviderUnavailableError(
                    f"the provider refused the {label} request (HTTP {exc.status_code})"
                ) from exc
        if observed.truncated:  # a cut-off answer that happened to parse is still cut off
            raise OutputTruncatedError(f"the {label} output hit the token limit")
        details = usage.output_tokens_details
        return StepOutcome(
            output,
            usage.input_tokens,
            usage.output_tokens,
            getattr(details, "reasoning_tokens", 0) or 0,
        )


async def _one_turn(
    agent: StepAgent, prompt: str, instructions: str, tracing: bool
) -> tuple[Any, Usage]:
    """One model call and its output read by the agent's output schema; the call's usage.

    What ``Runner.run`` makes of a single turn (``agents.run_internal.turn_resolution``):
    a tool call is bad output (the step has no tools), a refusal is ``ModelRefusalError``,
    the last message's text is the output, read by ``validate_json``. An answer with no
    text (the Runner asked again) is read as empty text.
    """
    with _traced(agent, tracing):
        response = await agent.model.get_response(
            system_instructions=instructions,
            input=prompt,
            model_settings=agent.settings,
            tools=[],
            output_schema=agent.output,
            handoffs=[],
            tracing=ModelTracing.ENABLED if tracing else ModelTracing.DISABLED,
            previous_response_id=None,
            conversation_id=None,
            prompt=None,
        )
    if any(isinstance(item, ResponseFunctionToolCall) for item in response.output):
        raise ModelBehaviorError(f"the model called a tool; the {agent.name} step has none")
    messages = [item for item in response.output if isinstance(item, ResponseOutputMessage)]
    last = messages[-1] if messages else None
    refusal = ItemHelpers.extract_refusal(last) if last is not None else None
    if refusal:
        raise ModelRefusalError(refusal)
    text = ItemHelpers.extract_text(last) if last is not None else None
    # No text is read as empty text: material that is not JSON, a lesson to repair.
    return agent.output.validate_json(text or ""), response.usage


@contextmanager
def _traced(agent: StepAgent, tracing: bool) -> Iterator[None]:
    """With tracing asked for, the call in a trace of its own, as the Runner makes one."""
    if not tracing:
        yield
        return
    with trace(f"DGS {agent.name}"), agent_span(agent.name, output_type=agent.output.name()):
        yield


def _retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from model APIs; fall back to backoff


def _backoff(attempt: int) -> float:
    return float(
        _BACKOFF_BASE * 2 ** (attempt - 1) * (0.5 + random.random() / 2)
    )  # jitter, not security
