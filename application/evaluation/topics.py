"""The topics an evaluation runs: generate request bodies with an id and a subject.

A topic is written as the body of ``POST /v1/lessons/generate`` (``topic``,
``constraints: {learnerLevel, language, length}``, ``schema_version``, ``mode``) plus an
optional ``id`` (stable across edits of the file, so an interrupted evaluation resumes
the right runs) and ``subject`` (for the report). Without an id, one is derived from the
request itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from application.use_cases.generate_lesson import GenerateRequest
from domain.generation import LessonConstraints
from domain.values.catalog_version import DEFAULT_CATALOG_VERSION, is_catalog_version
from domain.values.lines import TOPIC

_FIELDS = frozenset({"id", "subject", "topic", "constraints", "schema_version", "mode"})
# The wire names of the constraints (the API's), and the names the domain gives them.
_CONSTRAINTS = {"learnerLevel": "learner_level", "language": "language", "length": "length"}


class TopicError(ValueError):
    """A topic that cannot be run; the message says which and why."""


@dataclass(frozen=True, slots=True)
class EvalTopic:
    """One topic to generate, as the service would be asked for it."""

    topic_id: str
    subject: str | None
    request: GenerateRequest

    def describe(self) -> dict[str, Any]:
        """The topic as written (the generate body), for reports and failures."""
        constraints = self.request.constraints
        return {
            "id": self.topic_id,
            "subject": self.subject,
            "topic": self.request.topic,
            "constraints": {
                "learnerLevel": constraints.learner_level,
                "language": constraints.language,
                "length": constraints.length,
            },
            "schema_version": self.request.schema_version,
            "mode": constraints.mode,
        }


def topic_from_body(body: Any) -> EvalTopic:
    """An ``EvalTopic`` from one decoded JSON object; ``TopicError`` says what is wrong."""
    if not isinstance(body, dict):
        raise TopicError("a topic is a JSON object")
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise TopicError(f"unknown field(s) {', '.join(unknown)}")
    topic = body.get("topic")
    if not isinstance(topic, str):
        raise TopicError("topic: a string is required")
    try:
        TOPIC.clean(topic)
    except ValueError as exc:
        raise TopicError(f"topic: {exc}") from None
    version = body.get("schema_version", DEFAULT_CATALOG_VERSION)
    if not is_catalog_version(version):
        raise TopicError(f"schema_version: unsupported {version!r}")
    constraints = _constraints(body.get("constraints") or {}, body.get("mode"))
    request = GenerateRequest(topic=topic, constraints=constraints, schema_version=version)
    subject = body.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise TopicError("subject: a string or null")
    topic_id = body.get("id")
    if topic_id is None:
        topic_id = _derived_id(request)
    elif not isinstance(topic_id, str) or not topic_id.strip():
        raise TopicError("id: a non-empty string")
    return EvalTopic(topic_id, subject, request)


def unique(topics: Iterable[EvalTopic]) -> list[EvalTopic]:
    """The topics, refusing two with one id (their runs would be confused on resume)."""
    seen: dict[str, EvalTopic] = {}
    for topic in topics:
        if topic.topic_id in seen:
            raise TopicError(f"the id {topic.topic_id!r} is given to two topics")
        seen[topic.topic_id] = topic
    return list(seen.values())


def _constraints(given: Any, mode: Any) -> LessonConstraints:
    if not isinstance(given, Mapping):
        raise TopicError("constraints: an object")
    unknown = sorted(set(given) - set(_CONSTRAINTS))
    if unknown:
        raise TopicError(f"constraints: unknown field(s) {', '.join(unknown)}")
    fields = {_CONSTRAINTS[name]: value for name, value in given.items() if value is not None}
    if mode is not None:
        fields["mode"] = mode
    try:
        return LessonConstraints(**fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise TopicError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def _derived_id(request: GenerateRequest) -> str:
    spec = [request.topic, request.constraints.model_dump(), request.schema_version]
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "t-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]
