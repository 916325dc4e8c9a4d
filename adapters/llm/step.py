"""Run one agent step: the one place where model calls are retried, and errors typed.

Retries are bounded (``max_attempts``) and stay inside the generation's deadline, which
every step of the generation shares: no call runs past it (it is cancelled at the
deadline), a 429's Retry-After is honoured only when it fits, 5xx and connection failures
back off within it. Everything else maps to a typed ``GenerationError``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Any

import openai
from agents import Agent, RunConfig, Runner
from agents.exceptions import ModelBehaviorError, ModelRefusalError, ModelTimeoutError

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
class StepPolicy:
    """How long and how often a step may try."""

    deadline: Deadline  # the generation's: every attempt and wait draws from it
    max_attempts: int
    tracing: bool = False


async def run_step(
    agent: Agent[str], prompt: str, instructions: str, policy: StepPolicy, label: str
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
                result = await asyncio.wait_for(
                    Runner.run(
                        agent,
                        prompt,
                        context=instructions,
                        run_config=RunConfig(tracing_disabled=not policy.tracing),
                    ),
                    timeout=remaining,
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
        usage = result.context_wrapper.usage
        details = usage.output_tokens_details
        return StepOutcome(
            result.final_output,
            usage.input_tokens,
            usage.output_tokens,
            getattr(details, "reasoning_tokens", 0) or 0,
        )


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
