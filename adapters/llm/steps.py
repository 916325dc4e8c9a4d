"""The three agents (Gatherer, Structurer, Repair) behind the generation ports.

Each step has one agent per route (and catalog version), made on first use and reused:
its model, settings and output schema take several milliseconds to set up, and an agent
holds nothing of a call. The versioned prompt written for a request is the call's
instructions. Each call goes through ``run_step`` (one model turn; retries, deadline,
typed errors) and reports usage and cost. The deadline is the generation's
(``current_deadline()``), shared by all its steps.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from agents import AgentOutputSchemaBase, ModelSettings

from adapters.llm.catalogue import cost_usd
from adapters.llm.clients import ProviderClients
from adapters.llm.config import PROFILES, LlmSettings, Step
from adapters.llm.lesson_output import lesson_output, read_lesson
from adapters.llm.material_output import material_output
from adapters.llm.prompt_files import gatherer_messages, repair_messages, structurer_messages
from adapters.llm.step import StepAgent, StepOutcome, StepPolicy, run_step
from application.deadline import Deadline, current_deadline
from application.ports.generation import Gathered, ModelRoute, Structured
from application.records import StepUsage
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.validation.result import Issue

_MAX_TOKENS = {"gatherer": 6000, "structurer": 12000, "repair": 12000}


def output_schema(step: Step, route: ModelRoute, schema_version: str) -> AgentOutputSchemaBase:
    """The structured output a step asks of its route: exactly the schema sent.

    The lesson's schema is shaped by the schema profile of the route's provider. Each is
    made once per process and shared by every call.
    """
    if step == "gatherer":
        return material_output()
    return lesson_output(schema_version, PROFILES[route.provider].schema_profile)


class _AgentStep:
    step: Step

    def __init__(self, settings: LlmSettings, clients: ProviderClients) -> None:
        self._settings = settings
        self._clients = clients
        self._agents: dict[tuple[ModelRoute, str], StepAgent] = {}

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """The route of this step for the request's mode."""
        return self._settings.route(self.step, constraints)

    def _agent(self, route: ModelRoute, schema_version: str) -> StepAgent:
        """The step's agent for a route and catalog version, made once and reused.

        An agent holds no state of a call: the request's prompt is the call's instructions.
        """
        key = (route, schema_version)
        agent = self._agents.get(key)
        if agent is None:
            agent = StepAgent(
                name=self.step,
                model=self._clients.model(route),
                output=output_schema(self.step, route, schema_version),
                settings=ModelSettings(
                    max_tokens=_MAX_TOKENS[self.step],
                    extra_body=self._clients.extra_body(route.provider) or None,
                ),
            )
            self._agents[key] = agent
        return agent

    async def _run(
        self, route: ModelRoute, schema_version: str, instructions: str, user: str
    ) -> tuple[StepOutcome, StepUsage]:
        agent = self._agent(route, schema_version)
        # Outside a generation (a step run on its own) the step gets a deadline of its own.
        deadline = current_deadline() or Deadline.start(timedelta(seconds=self._settings.deadline))
        policy = StepPolicy(
            deadline=deadline,
            max_attempts=self._settings.max_attempts,
            tracing=self._settings.tracing,
        )
        outcome = await run_step(agent, user, instructions, policy, self.step)
        usage = StepUsage(
            step=self.step,
            provider=route.provider,
            model=route.model,
            input_tokens=outcome.input_tokens,
            output_tokens=outcome.output_tokens,
            reasoning_tokens=outcome.reasoning_tokens,
            cost_usd=cost_usd(
                route.provider,
                route.model,
                outcome.input_tokens,
                outcome.output_tokens,
                outcome.reasoning_tokens,
                reasoning_in_output=self._clients.reasoning_in_output(route.provider),
            ),
        )
        return outcome, usage


class AgentsGatherer(_AgentStep):
    """GathererAgent: topic and constraints in, IDM out."""

    step: Step = "gatherer"

    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        """One structured-output call producing the IDM."""
        messages = gatherer_messages(topic, constraints, prompt)
        route = self.route_for(constraints)
        # The material has no catalog version: one agent per route.
        outcome, usage = await self._run(route, "", messages.instructions, messages.user)
        return Gathered(outcome.output, usage)


class AgentsStructurer(_AgentStep):
    """StructurerAgent: IDM in, full-form lesson of the requested version out."""

    step: Step = "structurer"

    async def structure(
        self, idm: IntermediateDataModel, constraints: LessonConstraints, schema_version: str
    ) -> Structured:
        """One structured-output call producing the lesson."""
        messages = structurer_messages(idm, constraints, schema_version)
        route = self.route_for(constraints)
        outcome, usage = await self._run(
            route, schema_version, messages.instructions, messages.user
        )
        return Structured(await read_lesson(outcome.output), usage)


class AgentsRepairer(_AgentStep):
    """RepairAgent: an invalid lesson and its errors in, the corrected lesson out."""

    step: Step = "repair"

    async def repair(
        self,
        lesson: Any,
        errors: tuple[Issue, ...],
        constraints: LessonConstraints,
        schema_version: str,
    ) -> Structured:
        """One structured-output call producing the corrected lesson.

        An unreadable output is sent as its raw text (an error says why it is unreadable).
        """
        messages = repair_messages(lesson, errors, schema_version)
        route = self.route_for(constraints)
        outcome, usage = await self._run(
            route, schema_version, messages.instructions, messages.user
        )
        return Structured(await read_lesson(outcome.output), usage)
