"""The Gatherer's output type: the IDM, read by the strict JSON reader before pydantic.

pydantic's JSON parser accepts ``NaN`` and ``Infinity`` (as floats), so a field that
allows a number would take them; the strict reader (``adapters.json_input``) refuses
them, lone surrogates and nesting past the limit first, whatever the IDM's fields are.
Material is not repaired: unreadable material is ``ModelBehaviorError`` (bad output).
"""

from __future__ import annotations

from typing import Any

from agents import AgentOutputSchema
from agents.exceptions import ModelBehaviorError

from adapters.json_input import JsonInputError, decode_json
from domain.generation import IntermediateDataModel


class MaterialOutputSchema(AgentOutputSchema):
    """Structured output of the IDM, strict JSON only."""

    def __init__(self) -> None:
        super().__init__(IntermediateDataModel, strict_json_schema=True)

    def validate_json(self, json_str: str) -> Any:
        """Refuse what is not strict JSON, then validate the IDM as the SDK does."""
        try:
            decode_json(json_str)
        except JsonInputError as exc:
            raise ModelBehaviorError(f"the material is not strict JSON: {exc}") from None
        return super().validate_json(json_str)
