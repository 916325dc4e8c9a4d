"""The Gatherer's output type: the IDM, read by the strict JSON reader before pydantic.

pydantic's JSON parser accepts ``NaN`` and ``Infinity`` (as floats), so a field that
allows a number would take them; the strict reader (``adapters.json_input``) refuses
them, lone surrogates and nesting past the limit first, whatever the IDM's fields are.
Material is not repaired: unreadable material is ``ModelBehaviorError`` (bad output).

One instance serves every call (``material_output()``): the SDK's ``AgentOutputSchema``
builds a pydantic adapter and a strict schema when it is made (milliseconds), and it is
a dataclass, which the SDK copies deeply each time it describes a run's agent. This
type wraps it instead of extending it, so a run sees a plain object.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from agents import AgentOutputSchema, AgentOutputSchemaBase
from agents.exceptions import ModelBehaviorError

from adapters.json_input import JsonInputError, decode_json
from domain.generation import IntermediateDataModel


@cache
def material_output() -> MaterialOutputSchema:
    """The one output type of the Gatherer in this process."""
    return MaterialOutputSchema()


class MaterialOutputSchema(AgentOutputSchemaBase):
    """Structured output of the IDM, strict JSON only."""

    def __init__(self) -> None:
        self._sdk = AgentOutputSchema(IntermediateDataModel, strict_json_schema=True)

    def is_plain_text(self) -> bool:
        """Structured, not text."""
        return False

    def name(self) -> str:
        """The output type's name, as the SDK gives it."""
        return self._sdk.name()

    def json_schema(self) -> dict[str, Any]:
        """The SDK's strict schema of the IDM (built once; read only)."""
        return self._sdk.json_schema()

    def is_strict_json_schema(self) -> bool:
        """Strict mode."""
        return True

    def validate_json(self, json_str: str) -> Any:
        """Refuse what is not strict JSON, then validate the IDM as the SDK does."""
        try:
            decode_json(json_str)
        except JsonInputError as exc:
            raise ModelBehaviorError(f"the material is not strict JSON: {exc}") from None
        return self._sdk.validate_json(json_str)
