"""Fixtures for the CLI tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.scripted_openai import ScriptedOpenAI

COMPATIBLE_KEY = "sk-never-print-this-0123456789"


@pytest.fixture
def compatible_row(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedOpenAI]:
    """Exactly the README's OpenAI-compatible row (a URL, a key and models, no routing),
    pointing at a scripted server; one attempt per call."""
    server = ScriptedOpenAI()
    server.start()
    for name, value in {
        "DGS_COMPATIBLE_BASE_URL": server.base_url, "DGS_COMPATIBLE_API_KEY": COMPATIBLE_KEY,
        "DGS_GATHERER_MODEL": "g", "DGS_STRUCTURER_MODEL": "s", "DGS_MODEL_MAX_ATTEMPTS": "1",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    yield server
    server.stop()
