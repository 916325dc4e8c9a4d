"""Provider profiles: the schema rules each kind of provider documents, and what DGS sends.

A route's profile follows from its provider (``adapters.llm.config``): Gemini is judged
by ``gemini``, OpenAI and OpenRouter by ``openai`` (strict mode), any other
OpenAI-compatible server by ``grammar``. Each profile also decides how the lesson's
recursion (sections, step flows, checklists) is sent: kept as recursive ``$ref``, or
unrolled to the catalog's depth limits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from domain.schema.gemini import gemini_violations
from domain.schema.grammar import grammar_violations
from domain.schema.strict import openai_strict_violations
from domain.schema.walk import Schema, Violation

Recursion = Literal["keep", "unroll"]


@dataclass(frozen=True, slots=True)
class SchemaProfile:
    """One provider family's schema rules, and how DGS shapes its schema for them."""

    name: str
    title: str
    recursion: Recursion
    why: str  # why recursion is kept or unrolled for this profile
    check: Callable[[Schema], list[Violation]]


PROFILES: Mapping[str, SchemaProfile] = {
    "openai": SchemaProfile(
        "openai",
        "OpenAI strict structured output",
        "keep",
        "strict mode supports recursive $ref; unrolled, a depth-5 step flow alone nests "
        "more than the 10 object levels strict mode allows",
        openai_strict_violations,
    ),
    "gemini": SchemaProfile(
        "gemini",
        "Gemini responseJsonSchema",
        "unroll",
        "Gemini allows cycles only through non-required properties; DGS's cycles run "
        "through required ones",
        gemini_violations,
    ),
    "grammar": SchemaProfile(
        "grammar",
        "OpenAI-compatible grammar engines (vLLM, SGLang, Ollama)",
        "unroll",
        "not every engine follows recursion (outlines-core stops at depth 3); unrolled, "
        "the grammar itself enforces the catalog's depth limits",
        grammar_violations,
    ),
}


def profile_violations(schema: Schema, profile: str) -> list[Violation]:
    """Every rule of ``profile`` that ``schema`` breaks (empty: the provider accepts it)."""
    return PROFILES[profile].check(schema)
