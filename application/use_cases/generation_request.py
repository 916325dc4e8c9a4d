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
from application.errors import InvalidRequestError
from application.ports.generation import ModelRoute
from application.principal import DEV_TENANT
from domain.generation import LessonConstraints
from domain.values.catalog_version import DEFAULT_CATALOG_VERSION, catalog_version
from domain.values.lines import PROMPT, TOPIC


@dataclass(frozen=True, slots=True)
class GenerateRequest:
    """What to generate, and for whom.

    ``owner`` is the partition the lesson and the idempotency key belong to: the HTTP
    edge sets the caller's (``Principal.owner``); the local operator (``dgs generate``)
    is the dev tenant.
    """

    topic: str
    constraints: LessonConstraints = field(default_factory=LessonConstraints)
    schema_version: str = DEFAULT_CATALOG_VERSION
    idempotency_key: str | None = None
    owner: str = DEV_TENANT
    prompt: str | None = None  # extra guidance for the Gatherer (checked by ``prepare``)

    def checked_topic(self) -> str:
        """The normalised topic, once the topic and catalog version are checked.

        ``InvalidRequestError`` says why either is not one (``domain.values``).
        """
        try:
            topic = TOPIC.clean(self.topic)
            catalog_version(self.schema_version)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None
        return topic

    def checked_prompt(self) -> str | None:
        """The normalised guidance (None when absent or blank); ``InvalidRequestError`` if bad."""
        try:
            return PROMPT.clean_optional(self.prompt)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None


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
    prompt: str | None = None  # the guidance, normalised (None: none given, or blank)

    @classmethod
    def of(
        cls,
        request: GenerateRequest,
        topic: str,
        routes: Routes,
        widgets_version: str,
        prompt_version: str,
        deadline: Deadline,
        prompt: str | None = None,
    ) -> PreparedRequest:
        """The prepared request, its cache keys derived from the rest."""
        # The same request (models and prompts included) reuses a lesson; a variant
        # (another length, mode or catalog version) of the same topic reuses the material.
        # These formulas name entries already cached: changing one orphans them. The
        # guidance changes the material, so it is part of both keys, when there is one.
        folded = topic.casefold()
        constraints = request.constraints
        gatherer = [routes.gatherer.provider, routes.gatherer.model]
        structurer = [routes.structurer.provider, routes.structurer.model]
        guidance = () if prompt is None else (prompt,)
        lesson_key = "lesson:" + digest(
            folded,
            constraints.model_dump(),
            request.schema_version,
            prompt_version,
            [gatherer, structurer],
            *guidance,
        )
        idm_key = "idm:" + digest(
            folded,
            constraints.learner_level,
            constraints.language,
            prompt_version,
            gatherer,
            *guidance,
        )
        return cls(
            request,
            topic,
            routes,
            widgets_version,
            prompt_version,
            deadline,
            lesson_key,
            idm_key,
            prompt,
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
    """What makes two requests "the same" for idempotency (stored: keep the formula).

    The guidance counts when there is some (a blank one is none), so the fingerprints
    stored before requests had it still match.
    """
    guidance = (request.prompt or "").strip()
    return digest(
        request.topic.strip(),
        request.constraints.model_dump(),
        request.schema_version,
        fmt,
        use_cache,
        *((guidance,) if guidance else ()),
    )


def digest(*parts: Any) -> str:
    """A stable SHA-256 of JSON-able parts."""
    canonical = json.dumps(
        parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
