"""``dgs providers check``: whether each configured step's provider accepts its exact schema.

One minimal call per step with the ``response_format`` that step sends (built by the
agents SDK's own converter from the step's output type), and one call without it per
route, so the schema's cost in prompt tokens is known. Nothing is retried: a refusal is
reported with the provider's own message, as ``provider_rejected_schema`` would be.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import openai
from agents.models.chatcmpl_converter import Converter

from adapters.llm.clients import ProviderClients
from adapters.llm.config import OFFLINE, PROFILES, LlmSettings, Step
from adapters.llm.provider_errors import schema_rejection
from adapters.llm.steps import output_schema
from application.errors import ApplicationError
from application.ports.generation import ModelRoute
from domain.generation import LessonConstraints

PROMPT = "Connectivity check from DGS: answer with the smallest output the format allows."
MAX_TOKENS = 16  # enough to see the provider accept the schema; the answer is not used


@dataclass(frozen=True, slots=True)
class StepCheck:
    """What one step's provider answered."""

    step: str
    provider: str
    model: str
    profile: str
    outcome: str  # "accepted", "rejected" (the schema), "failed" (anything else), "skipped"
    message: str = ""  # the provider's message when not accepted
    latency_ms: int | None = None
    prompt_tokens: int | None = None  # with the schema
    prompt_tokens_without_schema: int | None = None

    @property
    def schema_tokens(self) -> int | None:
        """What the schema adds to the prompt, in the provider's own count."""
        if self.prompt_tokens is None or self.prompt_tokens_without_schema is None:
            return None
        return self.prompt_tokens - self.prompt_tokens_without_schema


@dataclass(frozen=True, slots=True)
class _Call:
    outcome: str
    message: str
    latency_ms: int
    prompt_tokens: int | None


class ProviderCheck:
    """Checks the configured steps, one call each (plus one schema-less call per route)."""

    def __init__(self, settings: LlmSettings, clients: ProviderClients) -> None:
        self._settings = settings
        self._clients = clients
        self._baselines: dict[tuple[str, str], _Call] = {}

    async def run(self, schema_version: str, *, repair: bool) -> list[StepCheck]:
        """Every configured step, in pipeline order (the repair step when ``repair`` is on)."""
        steps: list[Step] = ["gatherer", "structurer"]
        if repair:
            steps.append("repair")
        return [await self.step(step, schema_version) for step in steps]

    async def step(self, step: Step, schema_version: str) -> StepCheck:
        """One step: its route, its exact schema, the provider's verdict."""
        try:
            route = self._settings.route(step, LessonConstraints())
        except ApplicationError as exc:
            return StepCheck(step, "?", "?", "?", "failed", str(exc))
        profile = PROFILES[route.provider].schema_profile
        if route.provider == OFFLINE:
            return StepCheck(step, route.provider, route.model, "-", "skipped", "no model call")
        response_format = Converter.convert_response_format(
            output_schema(step, route, schema_version)
        )
        try:
            call = await self._call(route, response_format)
        except ApplicationError as exc:  # no key or base URL for this provider
            return StepCheck(step, route.provider, route.model, profile, "failed", str(exc))
        if call.outcome != "accepted":
            return StepCheck(
                step, route.provider, route.model, profile, call.outcome, call.message,
                call.latency_ms,
            )  # fmt: skip
        key = (route.provider, route.model)
        if key not in self._baselines:
            self._baselines[key] = await self._call(route, None)
        return StepCheck(
            step, route.provider, route.model, profile, "accepted", "", call.latency_ms,
            call.prompt_tokens, self._baselines[key].prompt_tokens,
        )  # fmt: skip

    async def _call(self, route: ModelRoute, response_format: Any) -> _Call:
        client = self._clients.client(route.provider)
        extra: dict[str, Any] = {"extra_body": self._clients.extra_body(route.provider) or None}
        if response_format is not None:
            extra["response_format"] = response_format
        started = time.perf_counter()
        try:
            completion = await client.chat.completions.create(
                model=route.model,
                messages=[{"role": "user", "content": PROMPT}],
                max_tokens=MAX_TOKENS,
                **extra,
            )
        except openai.BadRequestError as exc:
            rejected = schema_rejection(exc.body)
            outcome = "rejected" if rejected is not None else "failed"
            return _Call(outcome, rejected or exc.message, _since(started), None)
        except openai.APIStatusError as exc:
            return _Call("failed", f"HTTP {exc.status_code}: {exc.message}", _since(started), None)
        except openai.APIError as exc:  # connection failures and timeouts
            return _Call("failed", f"{type(exc).__name__}: {exc}", _since(started), None)
        usage = completion.usage
        return _Call("accepted", "", _since(started), usage.prompt_tokens if usage else None)


def _since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
