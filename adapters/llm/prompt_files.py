"""The versioned prompt files and the ``prompt_version`` recorded with every lesson."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

PROMPT_SERIES = "v1"
_NAMES = ("gatherer", "structurer", "repair")


@cache
def prompt(name: str) -> str:
    """The text of one prompt file (gatherer, structurer, repair)."""
    if name not in _NAMES:
        raise KeyError(name)
    return (
        resources.files("adapters.llm").joinpath(f"prompts/{name}.md").read_text(encoding="utf-8")
    )


@cache
def prompt_version() -> str:
    """``v1-`` and a hash of the three prompt files: any edit makes a new version."""
    digest = hashlib.sha256()
    for name in _NAMES:
        digest.update(prompt(name).encode("utf-8"))
    return f"{PROMPT_SERIES}-{digest.hexdigest()[:10]}"
