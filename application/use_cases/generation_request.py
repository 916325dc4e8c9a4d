"""A generate request, and the same request prepared once for every step that follows.

``GenerateLesson.prepare`` checks a request and resolves it once: the normalised topic,
the route of each model step, the catalog's widgets version, the prompt version, the
generation's deadline (started then) and the cache keys. Every later step reads the
``PreparedRequest``; none checks, routes or keys the request again. A job (issue 13)
keeps the same value from acceptance to its last step.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from application.deadline import Deadline
from application.ports.generation import ModelRoute
from application.principal import DEV_TENANT
from domain.generation import LessonConstraints


@dataclass(frozen=True, slots=True)
class GenerateRequest:
    """What to generate, and for whom.

    ``owner`` is the partition the lesson and the idempotency key belong to: the HTTP
    edge sets the caller's (``Principal.owner``); the local operator (``dgs generate``)
    is the dev tenant.
    """

    topic: str
    constraints: LessonConstraints = field(default_factory=LessonConstraints)
    schema_version: str = "1.1"
    idempotency_key: str | None = None
    owner: str = DEV_TENANT


@dataclass(frozen=True, slots=True)
class Routes:
    """The provider and model of each model step, resolved before any call."""

    gatherer: ModelRoute
    structurer: ModelRoute
    repairer: ModelRoute


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A request checked and resolved once (``GenerateLesson.prepare``)."""

    request: GenerateRequest
    topic: str  # normalised: trimmed and checked
    routes: Routes
    widgets_version: str
    prompt_version: str
    deadline: Deadline  # started when the request was prepared
    lesson_key: str  # the cache entry of this exact request (models and prompts included)
    idm_key: str  # the cache entry of its material, shared by its variants

    @classmethod
    def of(
        cls,
        request: GenerateRequest,
        topic: str,
        routes: Routes,
        widgets_version: str,
        prompt_version: str,
        deadline: Deadline,
    ) -> PreparedRequest:
        """The prepared request, its cache keys derived from the rest."""
        # The same request (models and prompts included) reuses a lesson; a variant
        # (another length, mode or catalog version) of the same topic reuses the material.
        # These formulas name entries already cached: changing one orphans them.
        folded = topic.casefold()
        constraints = request.constraints
        gatherer = [routes.gatherer.provider, routes.gatherer.model]
        structurer = [routes.structurer.provider, routes.structurer.model]
        lesson_key = "lesson:" + digest(
            folded,
            constraints.model_dump(),
            request.schema_version,
            prompt_version,
            [gatherer, structurer],
        )
        idm_key = "idm:" + digest(
            folded, constraints.learner_level, constraints.language, prompt_version, gatherer
        )
        return cls(
            request, topic, routes, widgets_version, prompt_version, deadline, lesson_key, idm_key
        )

    @property
    def constraints(self) -> LessonConstraints:
        """The learner and the shape of lesson asked for."""
        return self.request.constraints

    @property
    def schema_version(self) -> str:
        """The catalog version of the lesson."""
        return self.request.schema_version


def fingerprint(request: GenerateRequest, fmt: str, use_cache: bool) -> str:
    """What makes two requests "the same" for idempotency (stored: keep the formula)."""
    return digest(
        request.topic.strip(),
        request.constraints.model_dump(),
        request.schema_version,
        fmt,
        use_cache,
    )


def digest(*parts: Any) -> str:
    """A stable SHA-256 of JSON-able parts."""
    canonical = json.dumps(
        parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
