"""The grammar-engine profile: OpenAI-compatible servers (vLLM, SGLang, Ollama).

These servers compile the schema into a grammar with the engine they ship: vLLM picks
xgrammar, llguidance or outlines-core (docs/features/structured_outputs.md), SGLang
xgrammar or llguidance, Ollama llama.cpp's JSON-Schema-to-GBNF converter. The profile
keeps to what all of them compile:
- keywords: the subset documented by llguidance (docs/json_schema.md, "Supported JSON
  schema features"), xgrammar (docs: JSON Schema support) and llama.cpp
  (grammars/README.md, "JSON Schemas -> GBNF"); ``oneOf`` and ``allOf`` only partly
  compile in llguidance, ``format`` and ``pattern`` differ between engines;
- local ``$ref`` only (llguidance: "external/remote refs unsupported");
- no recursion: outlines-core unrolls a recursive ``$ref`` only to its recursion depth
  (3 by default), which cuts a lesson's step flows short (field notes, November 2026).
"""

from __future__ import annotations

from domain.schema.walk import Schema, Violation, find_cycle, ref_edges, walk

ALLOWED_KEYWORDS = frozenset(
    {"$defs", "$ref", "type", "title", "description", "enum", "const", "items", "minItems",
     "maxItems", "anyOf", "properties", "additionalProperties", "required"}
)  # fmt: skip


def grammar_violations(schema: Schema) -> list[Violation]:
    """Every way ``schema`` leaves what every grammar engine compiles."""
    found: list[Violation] = []
    for path, node in walk(schema):
        for keyword in sorted(node.keys() - ALLOWED_KEYWORDS):
            found.append(
                Violation("grammar.keyword", path, f"{keyword} is not compiled by every engine")
            )
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            found.append(Violation("grammar.local_ref", path, f"$ref {ref!r} is not local"))
    cycle = find_cycle(ref_edges(schema))
    if cycle is not None:
        names = " -> ".join([cycle[0].source, *(e.target for e in cycle)])
        found.append(Violation("grammar.recursion", cycle[-1].path, f"a recursive $ref: {names}"))
    return found
