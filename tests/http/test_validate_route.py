"""``POST /v1/lessons/validate`` answers in bounded time and size, whatever is posted."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from domain.limits import MAX_LESSON_NODES, MAX_REPORTED_ISSUES
from domain.validation import document
from tests.http.conftest import KEY, Api

JSON = {**KEY, "Content-Type": "application/json"}


def items(*entries: Any) -> dict[str, Any]:
    return {"title": "T", "blocks": [{"section": "S", "items": list(entries)}]}


async def test_the_first_errors_are_listed_and_all_are_counted(api: Api) -> None:
    response = await api.client.post("/v1/lessons/validate", json=items(*[7] * 250), headers=KEY)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False
    assert (body["error_count"], body["errors_truncated"]) == (250, True)
    assert len(body["errors"]) == MAX_REPORTED_ISSUES
    assert body["errors"][0]["path"] == "/blocks/0/items/0"
    assert (body["warning_count"], body["warnings_truncated"]) == (1, False)


async def test_a_valid_lesson_says_nothing_was_cut(api: Api) -> None:
    lesson = items("Text.", {"mcqs": {"title": "Q", "questions": [
        {"q": "?", "c": ["a", "b"], "a": 0, "e": "e"}] * 3}})  # fmt: skip
    body = (await api.client.post("/v1/lessons/validate", json=lesson, headers=KEY)).json()
    assert body == {
        "ok": True, "schema_version": "1.1", "errors": [], "warnings": [],
        "error_count": 0, "errors_truncated": False, "warning_count": 0,
        "warnings_truncated": False,
    }  # fmt: skip


async def test_a_megabyte_of_bad_items_gets_one_small_answer(api: Api) -> None:
    """Issue 10: 500,000 bad items answered 500,001 errors (81 MB) after 7.5 s."""
    raw = json.dumps(items(*[1] * 499_990), separators=(",", ":")).encode()
    assert 0.9e6 < len(raw) < 1024 * 1024
    response = await api.client.post("/v1/lessons/validate", content=raw, headers=JSON)
    assert response.status_code == 200
    assert len(response.content) < 1000
    body = response.json()
    assert body["error_count"] == 1
    assert body["errors"][0]["code"] == "document.too_large"
    assert str(MAX_LESSON_NODES) in body["errors"][0]["message"]


async def test_the_openapi_schema_says_the_list_is_capped_and_counted(api: Api) -> None:
    openapi = (await api.client.get("/docs/openapi.json")).json()
    schema = openapi["components"]["schemas"]["Validation"]
    for name in ("error_count", "errors_truncated", "warning_count", "warnings_truncated"):
        assert name in schema["required"]
        assert schema["properties"][name]["description"]
    assert schema["properties"]["errors"]["maxItems"] == MAX_REPORTED_ISSUES
    assert schema["properties"]["warnings"]["maxItems"] == MAX_REPORTED_ISSUES
    assert schema["properties"]["error_count"]["minimum"] == 0


@pytest.mark.parametrize(("size", "off_the_loop"), [("small", False), ("large", True)])
async def test_large_lessons_are_validated_off_the_event_loop(
    api: Api, monkeypatch: pytest.MonkeyPatch, size: str, off_the_loop: bool
) -> None:
    """A large lesson takes milliseconds of CPU: the loop keeps serving meanwhile."""
    on_a_loop: list[bool] = []
    real = document.validate_lesson

    def recording(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a worker thread runs no event loop
            on_a_loop.append(False)
        else:
            on_a_loop.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr("adapters.http.lessons.validate_lesson", recording)
    count = 3 if size == "small" else 3000
    lesson = items(*["A paragraph of some length, as lessons have."] * count)
    response = await api.client.post("/v1/lessons/validate", json=lesson, headers=KEY)
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert on_a_loop == [not off_the_loop]
