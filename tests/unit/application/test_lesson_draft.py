"""Where the CPU work on a lesson runs: on the event loop, or in a worker thread when large."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from application.use_cases.lesson_draft import OFF_LOOP_ITEMS, items, off_loop, verdict
from tests.support.generation import VALID


def lesson_with(count: int) -> dict[str, Any]:
    return {**VALID, "blocks": [{"section": "Long", "items": [{"type": "p", "text": "x"}] * count}]}


@pytest.mark.parametrize(
    ("count", "elsewhere"), [(OFF_LOOP_ITEMS, False), (OFF_LOOP_ITEMS + 1, True)]
)
async def test_a_large_lesson_is_worked_on_in_a_worker_thread(count: int, elsewhere: bool) -> None:
    ran_in = await off_loop(lesson_with(count), threading.current_thread)
    assert (ran_in is not threading.current_thread()) is elsewhere


async def test_a_large_lessons_verdict_is_the_same_off_the_loop() -> None:
    large = lesson_with(OFF_LOOP_ITEMS + 50)
    result = await verdict(large, "1.1")
    assert result.ok, result.errors
    assert result.lesson is not None
    assert len(result.lesson["blocks"][0]["items"]) == OFF_LOOP_ITEMS + 50


def nested_subsections(depth: int) -> dict[str, Any]:
    section: dict[str, Any] = {"section": "leaf", "items": [1, 2]}
    for _ in range(depth):
        section = {"section": "s", "items": [1], "subsections": [section]}
    return {"blocks": [section, {"quiz": {}}]}


@pytest.mark.parametrize(
    ("value", "count"),
    [
        (None, 0),
        ("text", 0),
        ({"blocks": "not a list"}, 0),
        ({"blocks": [None, 3, {"items": "x"}]}, 1),
        (VALID, sum(len(b.get("items", [1])) for b in VALID["blocks"])),
        (nested_subsections(5000), 5002 + 1),  # deep: counted without recursion
    ],
)
def test_items_counts_any_json_value(value: Any, count: int) -> None:
    assert items(value) == count
