"""Benchmark: validate_lesson vs jsonschema on a 50-widget lesson of about 17 KB.

Run with ``make bench`` (or ``uv run python -m bench.bench_validate``). Prints medians
and issue 12's targets: a valid lesson validates in <= 500 us, at least 20x faster than
jsonschema validating the exported lesson JSON Schema on the same lesson, and the first
validation in a fresh process (a Lambda cold start) costs <= 30 ms beyond the import.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from domain.lesson.models import MODELS, validator
from domain.schema.document import lesson_json_schema
from domain.validation.document import validate_lesson

_ROOT = Path(__file__).resolve().parents[1]
_SENTENCE = (
    "Photosynthesis converts light energy into chemical energy stored in glucose, "
    "using water and carbon dioxide and releasing oxygen into the air around the leaf, day after day"
)
_PARAGRAPH = (
    f"{_SENTENCE}. In the light-dependent reactions, chlorophyll absorbs photons and "
    "splits water; the Calvin cycle then fixes carbon into sugars the plant can use."
)
# Run in a fresh interpreter: the import, then the first validation, each timed.
_FIRST_CALL = """
import json, sys, time
start = time.perf_counter()
from domain.validation.document import validate_lesson
lesson = json.loads(sys.stdin.read())  # reading the lesson is no part of validating it
imported = time.perf_counter()
result = validate_lesson(lesson)
done = time.perf_counter()
assert result.ok, result.errors
print(json.dumps([imported - start, done - imported]))
"""


def _widgets(n: int) -> list[Any]:
    """Ten widgets in a realistic mix; soft limits respected, as in a good lesson."""
    short = f"Chlorophyll absorbs light (step {n})."
    return [
        f"{_PARAGRAPH} This is part {n} of the lesson.",
        {"flip": [f"Term {n}", short, "", "Think of leaves"]},
        {"fillblank": [f"Plants release ___ ({n}).", "oxygen", "We breathe it", _PARAGRAPH]},
        {"mcqs": {"title": f"Check {n}", "questions": [
            {"q": f"Where does step {n} happen?", "c": ["Chloroplast", "Nucleus", "Ribosome"], "a": 0, "e": _PARAGRAPH},
            {"q": "What is released?", "c": ["Oxygen", "Nitrogen"], "a": 0, "e": _PARAGRAPH},
            {"q": "What is absorbed?", "c": ["Light", "Sound"], "a": 0, "e": _PARAGRAPH},
        ]}},
        {"swipecards": [f"Sort {n}", ["Input", "Output"], [["Water", 0, short], ["Oxygen", 1, short]]]},
        {"table": [["Input", "Output"], ["Light", "Glucose"], ["Water", "Oxygen"]]},
        {"stepFlow": [f"Process {n}", ["Absorb light", [["Enough light", ["Split water", "Make ATP"]], ["Too dark", ["Wait"]]], "Fix carbon"]]},
        {"console": [f"Demo {n}", 0, [["ls", 200, "leaf.txt"], ["cat leaf.txt", 300, _PARAGRAPH]]]},
        {"tr": ["EN: leaf", "DE: Blatt"]},
        {"codeviewer": [f"def step_{n}():\n    \"\"\"{_PARAGRAPH}\"\"\"\n    return 'glucose'", "python"]},
    ]  # fmt: skip


def build_lesson(widget_count: int = 50) -> dict[str, Any]:
    """A realistic lesson with ``widget_count`` widgets across sections, ending with a quiz."""
    items: list[Any] = []
    n = 0
    while len(items) < widget_count:
        items.extend(_widgets(n))
        n += 1
    items = [*items[: widget_count - 1], _widgets(n)[3]]  # the last widget is a quiz
    sections = [
        {"section": f"Part {i // 10 + 1} of the process", "items": items[i : i + 10]}
        for i in range(0, widget_count, 10)
    ]
    return {"schema_version": "1.1", "title": "Photosynthesis", "blocks": sections}


def median_seconds(call: Callable[[], object], *, repeat: int, number: int) -> float:
    """Median per-call time over ``repeat`` runs of ``number`` calls each."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            call()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def first_call_seconds(lesson: dict[str, Any], runs: int = 7) -> tuple[float, float]:
    """Medians over fresh processes: the import, and the first validation after it."""
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    timings = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", _FIRST_CALL],
                input=json.dumps(lesson),
                capture_output=True,
                text=True,
                check=True,
                cwd=_ROOT,
                env=env,
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def main() -> None:
    """Measure and print the figures."""
    lesson = build_lesson()
    size = len(json.dumps(lesson).encode("utf-8"))
    result = validate_lesson(lesson)
    assert result.ok, result.errors
    assert not result.warnings, result.warnings
    assert result.lesson is not None
    full_form = result.lesson
    validator_ = jsonschema.Draft202012Validator(lesson_json_schema("1.1"))
    assert validator_.is_valid(lesson)
    warned = copy.deepcopy(lesson)
    warned["title"] = "A lesson title that is longer than the forty characters advised"
    assert validate_lesson(warned).warnings
    broken = copy.deepcopy(lesson)
    broken["blocks"][2]["items"][1]["flip"][1] = ""  # one empty flash card back
    assert validate_lesson(broken).error_count == 1

    ours = median_seconds(lambda: validate_lesson(lesson), repeat=15, number=200)
    theirs = median_seconds(lambda: validator_.validate(lesson), repeat=7, number=5)
    print(f"lesson: 50 widgets, {size / 1024:.1f} KB")
    print(f"validate_lesson  median {ours * 1e6:8.1f} us   (target <= 500 us)")
    print(f"jsonschema       median {theirs * 1e6:8.1f} us")
    print(f"ratio            {theirs / ours:8.1f}x   (target >= 20x)")

    # What other lessons cost, and the share of pydantic (the model of the whole lesson).
    model = validator(MODELS["1.1"].lesson)
    parts = {
        "same lesson, full form": lambda: validate_lesson(full_form),
        "with one warning": lambda: validate_lesson(warned),
        "with one error": lambda: validate_lesson(broken),
        "  of which pydantic": lambda: model.validate_python(full_form),
    }
    for name, call in parts.items():
        print(f"{name:<23s}{median_seconds(call, repeat=9, number=100) * 1e6:8.1f} us")

    imported, first = first_call_seconds(lesson)
    print(f"fresh process: import {imported * 1e3:.1f} ms, then the first validation")
    print(f"                 {first * 1e3:8.1f} ms   (target <= 30 ms)")


if __name__ == "__main__":
    main()
