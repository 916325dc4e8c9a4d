"""The garbage collector once the model SDKs are loaded (``entrypoints.llm_wiring``), in a
fresh interpreter: a burst of generations' live objects sets off no full collection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BURST = """
import gc, json
from entrypoints.llm_wiring import provider_clients
from entrypoints.resources import Resources
from adapters.llm.config import LlmSettings

provider_clients(LlmSettings(), Resources())
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
# What a hundred generations in flight hold for a second or two: many small containers,
# all alive (freed when their requests end).
alive = [{"n": [i]} for i in range(100_000)]
print(json.dumps(collections))
"""


@pytest.mark.slow  # a fresh interpreter that loads openai and agents
def test_a_burst_of_live_objects_sets_off_no_full_collection(tmp_path: Path) -> None:
    """A full collection walks every object not frozen and holds the event loop for tens of
    milliseconds with a hundred generations in flight; young ones stay few and short."""
    result = subprocess.run(
        [sys.executable, "-c", BURST], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    collections: list[int] = json.loads(result.stdout.strip().splitlines()[-1])
    assert 2 not in collections
    assert collections.count(1) <= 1
    assert len(collections) <= 60
