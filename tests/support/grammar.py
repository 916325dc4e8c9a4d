"""A real grammar engine over DGS's LLM schemas: llguidance, as vLLM and OpenAI use it.

The schema is compiled as a provider compiles it, then a document is fed through the
grammar byte by byte (a byte-level tokenizer: every byte is a token), as constrained
decoding would emit it. A document the grammar accepts is one a model could write.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import llguidance

_EOS = 256


class _ByteTokens:
    """The smallest tokenizer llguidance takes: one token per byte, plus end-of-sequence."""

    def __init__(self) -> None:
        self.eos_token_id = _EOS
        self.bos_token_id = None
        self.tokens = [bytes([i]) for i in range(256)] + [b"<eos>"]
        self.special_token_ids = [_EOS]

    def __call__(self, text: str | bytes) -> list[int]:
        return list(text if isinstance(text, bytes) else text.encode())


TOKENIZER = llguidance.LLTokenizer(llguidance.TokenizerWrapper(_ByteTokens()))


@dataclass(frozen=True)
class CompiledSchema:
    """A schema compiled to a grammar, and how long the compilation took."""

    grammar: str
    seconds: float

    def accepts(self, document: Any) -> bool:
        """Whether the grammar accepts ``document`` written as JSON (compact) to the end."""
        matcher = llguidance.LLMatcher(TOKENIZER, self.grammar, log_level=0)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        if not matcher.consume_tokens(TOKENIZER.tokenize_bytes(text.encode())):
            return False
        return matcher.is_accepting() and not matcher.is_error()


def compile_schema(schema: dict[str, Any]) -> CompiledSchema:
    """Compile ``schema`` with llguidance; raise ValueError if the engine refuses it."""
    started = time.perf_counter()
    grammar = llguidance.LLMatcher.grammar_from_json_schema(schema)
    matcher = llguidance.LLMatcher(TOKENIZER, grammar, log_level=0)  # builds the parser
    seconds = time.perf_counter() - started
    if matcher.is_error():
        raise ValueError(f"llguidance refused the schema: {matcher.get_error()}")
    return CompiledSchema(grammar, seconds)
