"""The Structurer's and Repairer's output type: the full-form lesson of a catalog version.

The schema sent is the LLM-facing schema of the version's lesson model (open JSON objects
offered as strings, every field required and nullable when optional), shaped for the
schema profile of the route's provider (``ProviderProfile.schema_profile``). The output
is read with the one strict JSON reader (``adapters.json_input``) and returned as plain
JSON: ``validate_lesson`` judges it, so that an invalid lesson can be repaired instead of
failing inside the SDK. Output the strict reader refuses (``NaN``, ``Infinity``, lone
surrogates, nesting past the limit, malformed text) is returned as ``UnreadableOutput``:
an invalid lesson the pipeline repairs once, never a lesson to store.

The SDK hands the output text to ``validate_json`` on the event loop, so it is kept as
text there (``LessonText``) and read by ``read_lesson`` after the run: a long output
(tens of kilobytes take milliseconds to read) is read in a worker thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache
from typing import Any

from agents import AgentOutputSchemaBase

from adapters.json_input import JsonInputError, decode_json
from application.ports.generation import UnreadableOutput
from domain.limits import MAX_JSON_DEPTH
from domain.schema.llm import shared_llm_json_schema

# Raw text kept of an unreadable output, for the repair call and the repair log. The
# Structurer may write 12,000 tokens (~50 KB), so a real lesson is kept whole; only a
# runaway or hostile output is cut.
RAW_TEXT_LIMIT = 64 * 1024
# Output longer than this is read off the event loop (~1 ms of reading and checking).
OFF_LOOP_CHARS = 48 * 1024
_RULES = (
    "The lesson must be strict JSON (RFC 8259): no NaN, Infinity or -Infinity, no lone "
    "surrogate escapes such as \\ud800, no comments or trailing commas, and at most "
    f"{MAX_JSON_DEPTH} levels of nesting. Its raw text is given as the lesson to correct."
)


@cache
def lesson_output(schema_version: str, profile: str) -> LessonOutputSchema:
    """The output type of a catalog version for a schema profile, one per process.

    It holds no state of a call, and the schema it sends is built once and only read.
    """
    return LessonOutputSchema(schema_version, profile)


class LessonOutputSchema(AgentOutputSchemaBase):
    """Structured output of a lesson in full form.

    Not a dataclass, on purpose: the agents SDK describes a run's agent (for its run
    state) by walking every dataclass it holds, which would copy the whole schema on
    every run.
    """

    def __init__(self, schema_version: str, profile: str = "openai") -> None:
        self._schema_version = schema_version
        self._schema = shared_llm_json_schema(schema_version, profile)

    def is_plain_text(self) -> bool:
        """Structured, not text."""
        return False

    def name(self) -> str:
        """The schema's name as sent."""
        return f"lesson_{self._schema_version.replace('.', '_')}"

    def json_schema(self) -> dict[str, Any]:
        """The LLM-facing schema of the version, for the route's profile (shared: read only)."""
        return self._schema

    def is_strict_json_schema(self) -> bool:
        """Strict mode."""
        return True

    def validate_json(self, json_str: str) -> LessonText:
        """The text as it came: ``read_lesson`` reads it once the run is over."""
        return LessonText(json_str)


@dataclass(frozen=True, slots=True)
class LessonText:
    """A lesson output not read yet."""

    text: str


async def read_lesson(output: Any) -> Any:
    """A run's lesson output read strictly (off the loop when long): JSON or unreadable."""
    if not isinstance(output, LessonText):
        return output
    if len(output.text) > OFF_LOOP_CHARS:
        return await asyncio.to_thread(read_text, output.text)
    return read_text(output.text)


def read_text(text: str) -> Any:
    """Read strictly; validation is the domain's job, repair the pipeline's."""
    try:
        return decode_json(text)
    except JsonInputError as exc:
        return UnreadableOutput(raw_excerpt(text), f"json.{exc.reason}", f"{exc}. {_RULES}")


def raw_excerpt(text: str, limit: int = RAW_TEXT_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (saying so), as valid UTF-8 text.

    A lone surrogate cannot be encoded (not in the repair request, not in a store), so
    each becomes ``?``; the problem reported with the excerpt says what was there.
    """
    cut = text[:limit]
    if len(text) > limit:
        cut += f"\n[... {len(text) - limit} more characters not shown]"
    return cut.encode("utf-8", "replace").decode("utf-8")
