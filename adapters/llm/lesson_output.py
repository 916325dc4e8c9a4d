"""The Structurer's and Repairer's output type: the full-form lesson of a catalog version.

The schema sent is the LLM-facing schema of the version's lesson model (open JSON objects
offered as strings, every field required and nullable when optional), shaped for the
schema profile of the route's provider (``ProviderProfile.schema_profile``). The parsed
output is returned as plain JSON: ``validate_lesson`` judges it, so that an invalid
lesson can be repaired instead of failing inside the SDK.
"""

from __future__ import annotations

import json
from typing import Any

from agents import AgentOutputSchemaBase
from agents.exceptions import ModelBehaviorError

from domain.schema.llm import llm_json_schema


class LessonOutputSchema(AgentOutputSchemaBase):
    """Structured output of a lesson in full form."""

    def __init__(self, schema_version: str, profile: str = "openai") -> None:
        self._schema_version = schema_version
        self._schema = llm_json_schema(schema_version, profile)

    def is_plain_text(self) -> bool:
        """Structured, not text."""
        return False

    def name(self) -> str:
        """The schema's name as sent."""
        return f"lesson_{self._schema_version.replace('.', '_')}"

    def json_schema(self) -> dict[str, Any]:
        """The LLM-facing schema of the version, for the route's profile."""
        return self._schema

    def is_strict_json_schema(self) -> bool:
        """Strict mode."""
        return True

    def validate_json(self, json_str: str) -> Any:
        """Parse only; validation is the domain's job."""
        try:
            return json.loads(json_str)
        except ValueError as exc:
            raise ModelBehaviorError(f"the lesson is not valid JSON: {exc}") from exc
