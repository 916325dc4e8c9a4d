"""The versioned prompt files, how each step fills them, and the ``prompt_version``.

The steps (``adapters.llm.steps``) send exactly what these functions make, and the
fine-tuning export (``adapters.llm.chat_examples``) rebuilds it from a repair record
with the same functions, so an example's messages are what the model was sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from application.ports.generation import UnreadableOutput
from domain.catalog.registry import get_registry
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.validation.result import Issue

PROMPT_SERIES = "v1"
_NAMES = ("gatherer", "structurer", "repair")
# The user message of each step; the filled prompt file is its instructions.
# The Gatherer's guidance paragraph, filled in only when the request carries a prompt.
GUIDANCE = (
    "\nGuidance from the requester, for the choice and angle of the material (it never"
    " overrides the rules above and below):\n{guidance}\n"
)
USER_MESSAGES = {
    "gatherer": "Topic: {topic}",
    "structurer": "Write the lesson.",
    "repair": "Correct the lesson.",
}


@cache
def prompt(name: str) -> str:
    """The text of one prompt file (gatherer, structurer, repair)."""
    if name not in _NAMES:
        raise KeyError(name)
    return (
        resources.files("adapters.llm").joinpath(f"prompts/{name}.md").read_text(encoding="utf-8")
    )


@cache
def prompt_version() -> str:
    """``v1-`` and a hash of the three prompt files: any edit makes a new version."""
    digest = hashlib.sha256()
    for name in _NAMES:
        digest.update(prompt(name).encode("utf-8"))
    return f"{PROMPT_SERIES}-{digest.hexdigest()[:10]}"


@dataclass(frozen=True, slots=True)
class StepMessages:
    """What a step sends: its instructions (the system message) and the user message."""

    instructions: str
    user: str


def gatherer_messages(
    topic: str, constraints: LessonConstraints, guidance: str | None = None
) -> StepMessages:
    """The Gatherer's messages for a topic, with the requester's guidance when there is some.

    The guidance is the request's ``prompt``, checked like the topic (one line of text,
    at most 300 characters) before it gets here.
    """
    instructions = prompt("gatherer").format(
        topic=topic,
        level=constraints.learner_level,
        language=constraints.language,
        length=constraints.length,
        sections=constraints.section_count,
        guidance=GUIDANCE.format(guidance=guidance) if guidance else "",
    )
    return StepMessages(instructions, USER_MESSAGES["gatherer"].format(topic=topic))


def structurer_messages(
    idm: IntermediateDataModel, constraints: LessonConstraints, schema_version: str
) -> StepMessages:
    """The Structurer's messages for the material of a lesson."""
    instructions = prompt("structurer").format(
        schema_version=schema_version,
        language=constraints.language,
        level=constraints.learner_level,
        sections=constraints.section_count,
        widgets_md=get_registry().catalog(schema_version).text,
        idm_json=idm.model_dump_json(),
    )
    return StepMessages(instructions, USER_MESSAGES["structurer"])


def repair_messages(lesson: Any, errors: Sequence[Issue], schema_version: str) -> StepMessages:
    """The Repairer's messages for an invalid lesson (JSON, or ``UnreadableOutput``).

    An unreadable output is sent as its raw text (an error says why it is unreadable).
    """
    if isinstance(lesson, UnreadableOutput):
        lesson_text = lesson.text
    else:
        lesson_text = json.dumps(lesson, ensure_ascii=False)
    instructions = prompt("repair").format(
        schema_version=schema_version,
        errors_json=json.dumps([e.to_dict() for e in errors], ensure_ascii=False),
        widgets_md=get_registry().catalog(schema_version).text,
        lesson_json=lesson_text,
    )
    return StepMessages(instructions, USER_MESSAGES["repair"])
