"""How large each step's request is, from the prompt files and schemas it sends.

The same text the steps send (``adapters.llm.steps``): the versioned instructions with
the request's values, the widget guide of the catalog, the user message and the JSON
schema of the output, without the material or lesson the step carries (the estimate adds
those from the step before). No model and no SDK are involved: openai and agents are not
imported.
"""

from __future__ import annotations

import json
from functools import cache

from adapters.llm.prompt_files import USER_MESSAGES, prompt
from application.ports.estimation import StepName
from domain.catalog.registry import get_registry
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.schema.llm import llm_json_schema, to_strict


@cache
def _schema_chars(step: StepName, schema_version: str) -> int:
    schema = (
        to_strict(IntermediateDataModel.model_json_schema())
        if step == "gatherer"
        else llm_json_schema(schema_version)
    )
    return len(json.dumps(schema, separators=(",", ":")))


class LlmRequestSizes:
    """``RequestSizes`` from the prompt files, the catalogs and the output schemas."""

    def fixed_chars(
        self, step: StepName, topic: str, constraints: LessonConstraints, schema_version: str
    ) -> int:
        """Characters sent by ``step`` besides the material or lesson it carries."""
        values = {
            "topic": topic,
            "level": constraints.learner_level,
            "language": constraints.language,
            "length": constraints.length,
            "sections": constraints.section_count,
            "schema_version": schema_version,
            "widgets_md": get_registry().catalog(schema_version).text,
            "idm_json": "",
            "errors_json": "",
            "lesson_json": "",
            "guidance": "",  # an estimate is of a request without extra guidance
        }
        instructions = prompt(step).format(**values)
        user = USER_MESSAGES[step].format(topic=topic)
        return len(instructions) + len(user) + _schema_chars(step, schema_version)
