"""Benchmark: the LLM schema of each provider profile, its size and its compile time.

Size in tokens (``estimate_tokens``); compile time in llguidance, the grammar engine
vLLM and OpenAI use, best and median of several runs.
"""

from __future__ import annotations

import statistics

from domain.catalog.registry import SUPPORTED_VERSIONS
from domain.schema.llm import estimate_tokens, llm_json_schema
from domain.schema.profiles import PROFILES
from tests.support.grammar import compile_schema

RUNS = 15


def main() -> None:
    """Print one line per catalog version and profile."""
    for version in SUPPORTED_VERSIONS:
        for name, profile in PROFILES.items():
            schema = llm_json_schema(version, name)
            times = [compile_schema(schema).seconds * 1000 for _ in range(RUNS)]
            print(
                f"{version} {name:8} recursion {profile.recursion:6} ~{estimate_tokens(schema):5} "
                f"tokens  llguidance compile best {min(times):5.1f} ms, "
                f"median {statistics.median(times):5.1f} ms"
            )


if __name__ == "__main__":
    main()
