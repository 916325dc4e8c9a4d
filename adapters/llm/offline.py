"""The offline provider: deterministic SAMPLE lessons for any topic, with no account.

It stands in for the Gatherer, Structurer and Repairer beneath the same pipeline (same
use case, validation and storage), so the DLE front end can be built without a model.
Its lessons use every widget of the requested catalog version and say plainly that they
are samples; they teach nothing real about the topic.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from adapters.llm.config import OFFLINE, OFFLINE_MODEL
from adapters.llm.offline_samples import SAMPLE_NOTE, full_item
from application.ports.generation import Gathered, ModelRoute, Structured
from application.records import StepUsage
from domain.catalog.registry import get_registry
from domain.conversion.forms import compact
from domain.generation import (
    Concept,
    Exercise,
    IdmMetadata,
    IntermediateDataModel,
    LessonConstraints,
    Misconception,
    OutlineSection,
    VocabularyItem,
    WorkedExample,
)
from domain.validation.result import Issue

log = logging.getLogger("dgs.llm")
ROUTE = ModelRoute(OFFLINE, OFFLINE_MODEL)
_SECTION_THEMES = (
    "What it is", "Why it matters", "Key ideas", "How it works", "Worked example",
    "Common mistakes", "Practice", "Going further", "Tools and terms", "Review",
)  # fmt: skip


def _usage(step: str) -> StepUsage:
    return StepUsage(step=step, provider=OFFLINE, model=OFFLINE_MODEL)


class OfflineGatherer:
    """Sample material for any topic."""

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """Always the offline sample model."""
        return ROUTE

    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        """Deterministic sample material (the same topic gives the same material)."""
        return Gathered(sample_idm(topic, constraints), _usage("gatherer"))


class OfflineStructurer:
    """A sample lesson using every widget of the requested catalog version."""

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """Always the offline sample model."""
        return ROUTE

    async def structure(
        self, idm: IntermediateDataModel, constraints: LessonConstraints, schema_version: str
    ) -> Structured:
        """The lesson in full form, exactly as a model is asked to return it."""
        log.info(
            "offline provider: writing a SAMPLE lesson on %r (no model call)", idm.metadata.topic
        )
        return Structured(sample_full_lesson(idm, schema_version), _usage("structurer"))


class OfflineRepairer:
    """Repairs by dropping every item an error points into (then re-validated as usual)."""

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """Always the offline sample model."""
        return ROUTE

    async def repair(
        self,
        lesson: Any,
        errors: tuple[Issue, ...],
        constraints: LessonConstraints,
        schema_version: str,
    ) -> Structured:
        """The lesson without the items that have errors."""
        return Structured(drop_failing_items(lesson, errors), _usage("repair"))


def sample_idm(topic: str, constraints: LessonConstraints) -> IntermediateDataModel:
    """Sample material, sized to the requested length."""
    sections = [
        OutlineSection(
            title=_SECTION_THEMES[i % len(_SECTION_THEMES)], points=[f"{topic}: point {i + 1}"]
        )
        for i in range(constraints.section_count)
    ]
    return IntermediateDataModel(
        metadata=IdmMetadata(
            topic=topic,
            level=constraints.learner_level,
            language=constraints.language,
            length=constraints.length,
        ),
        learning_objectives=[
            f"Describe {topic} in your own words",
            f"Spot a common mistake about {topic}",
        ],
        key_concepts=[
            Concept(name=f"Core idea of {topic}", definition=f"A sample definition of {topic}.")
        ],
        vocabulary=[
            VocabularyItem(term=topic, meaning=f"The subject of this sample lesson about {topic}.")
        ],
        worked_examples=[
            WorkedExample(
                title=f"A first look at {topic}",
                problem=f"Explain {topic} to a friend.",
                steps=["Name it", "Give an example", "Say why it matters"],
                answer=f"{topic} explained in three steps.",
            )
        ],
        misconceptions=[
            Misconception(
                misconception=f"{topic} is only for experts.", correction="Anyone can learn it."
            )
        ],
        exercises=[
            Exercise(
                prompt=f"Which statement about {topic} is part of this sample?",
                answer="It is a sample",
                explanation=SAMPLE_NOTE,
                choices=["It is a sample", "It is a final exam", "It is unrelated"],
            )
        ],
        outline=sections,
        sources=None,
    )


def sample_full_lesson(idm: IntermediateDataModel, schema_version: str) -> dict[str, Any]:
    """A sample lesson as a model writes it: full form, one item per widget of the version."""
    catalog = get_registry().catalog(schema_version)
    topic, language = idm.metadata.topic, idm.metadata.language
    quiz = catalog.block_widget
    sections: list[dict[str, Any]] = [
        {
            "section": outline.title,
            "items": [{"type": "p", "text": f"{outline.title}: {', '.join(outline.points)}."}],
            "subsections": None,
        }
        for outline in idm.outline
    ]
    sections[0]["items"].insert(0, {"type": "warn", "text": SAMPLE_NOTE})
    widgets = [w for w in catalog.widgets.values() if w is not quiz]
    for index, widget in enumerate(widgets):
        sections[index % len(sections)]["items"].append(full_item(widget, topic, language))
    return {
        "schema_version": schema_version,
        "title": _title(topic),
        "blocks": [*sections, {quiz.key: _quiz(idm)}],
    }


def sample_lesson(idm: IntermediateDataModel, schema_version: str) -> dict[str, Any]:
    """The sample lesson in shorthand, as DGS serves it."""
    return compact(sample_full_lesson(idm, schema_version))


def _title(topic: str) -> str:
    """The topic, cut at a word to the advised 40 characters."""
    if len(topic) <= 40:
        return topic
    return topic[:39].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def _quiz(idm: IntermediateDataModel) -> dict[str, Any]:
    topic = idm.metadata.topic
    questions = [
        {
            "q": exercise.prompt,
            "c": exercise.choices or [exercise.answer, "Something else"],
            "a": (exercise.choices or [exercise.answer]).index(exercise.answer),
            "e": exercise.explanation,
        }
        for exercise in idm.exercises
    ]
    questions += [
        {
            "q": f"Is this lesson about {topic} a sample?",
            "c": ["Yes", "No"],
            "a": 0,
            "e": SAMPLE_NOTE,
        },
        {
            "q": "Which provider wrote it?",
            "c": ["A real model", "The offline provider"],
            "a": 1,
            "e": SAMPLE_NOTE,
        },
    ]
    return {"title": f"Check: {_title(topic)}", "questions": questions}


def drop_failing_items(lesson: Any, errors: tuple[Issue, ...]) -> Any:
    """The lesson without the items (``/blocks/i/items/j``) that errors point into."""
    if not isinstance(lesson, dict) or not isinstance(lesson.get("blocks"), list):
        return lesson
    failing: dict[int, set[int]] = {}
    for issue in errors:
        match = re.match(r"^/blocks/(\d+)/items/(\d+)", issue.path)
        if match:
            failing.setdefault(int(match[1]), set()).add(int(match[2]))
    blocks = []
    for b, block in enumerate(lesson["blocks"]):
        if b in failing and isinstance(block, dict) and isinstance(block.get("items"), list):
            block = {
                **block,
                "items": [it for i, it in enumerate(block["items"]) if i not in failing[b]],
            }
        blocks.append(block)
    return {**lesson, "blocks": blocks}
