"""GuardedGeneration directly: one preparation, one serialisation, replays, quotas, cache.

The model steps are scripted fakes; idempotency, cache, rate limits and lessons are the
real SQLite stores on a file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.errors import InvalidLessonError
from application.principal import DEV_TENANT
from application.use_cases.generate_lesson import GenerateRequest
from tests.support.fakes import RecordingProgress
from tests.support.generation import IDM, INVALID, VALID, Guarded, Parts, parts


@pytest.fixture
def made() -> Parts:
    return parts([VALID, VALID], [VALID])


@pytest.fixture
def api(tmp_path: Path, made: Parts) -> Iterator[Guarded]:
    made.gatherer.outputs.append(IDM)  # material for a second generation
    guarded = Guarded(tmp_path, (made.gatherer, made.structurer, made.repairer))
    yield guarded
    guarded.close()


async def test_one_request_is_routed_once(api: Guarded, made: Parts) -> None:
    """Regression: the routes were resolved three times per request (check, key, record)."""
    await api.guarded(GenerateRequest("Tides", idempotency_key="k-1"), "client")
    steps = (made.gatherer, made.structurer, made.repairer)
    assert [step.route_lookups for step in steps] == [1, 1, 1]


async def test_the_lesson_is_serialised_once_for_record_cache_and_response(api: Guarded) -> None:
    """Regression: the lesson was encoded three ways (record, cache, body), then re-encoded."""
    result = await api.guarded(GenerateRequest("Tides", idempotency_key="k-1"), "c", "full")
    assert result.record is not None
    text = result.record.lesson_json
    assert json.loads(text) == VALID
    assert f'"lesson_json":{text},' in result.body  # the record's own text, not a new one
    assert await api.column("SELECT value FROM cache WHERE key LIKE 'lesson:%'") == [text]
    assert await api.column("SELECT response FROM idempotency") == [result.body]
    assert (await api.lessons.get(DEV_TENANT, result.lesson_id)).lesson_json == text


async def test_the_shorthand_body_is_the_api_body(api: Guarded) -> None:
    result = await api.guarded(GenerateRequest("Tides"), "client")
    body = json.loads(result.body)
    assert list(body) == ["lesson_id", "lesson_json", "meta"]
    assert body["lesson_id"] == result.lesson_id
    assert body["lesson_json"]["title"] == VALID["title"]
    assert "type" not in json.dumps(body["lesson_json"]["blocks"][0]["items"][0])  # shorthand
    assert body["meta"]["usage"][0] == {
        "step": "gatherer", "provider": "fake", "model": "fake-model", "input_tokens": 10,
        "output_tokens": 20, "reasoning_tokens": 5, "cost_usd": 0.001,
    }  # fmt: skip


async def test_a_replay_makes_no_call_and_spends_no_token(api: Guarded, made: Parts) -> None:
    request = GenerateRequest("Tides", idempotency_key="k-1")
    first = await api.guarded(request, "client")
    again = await api.guarded(request, "client")
    assert (again.replayed, again.body, again.lesson_id) == (True, first.body, first.lesson_id)
    assert again.record is None
    assert len(made.structurer.calls) == 1
    assert [q.remaining for q in again.quotas] == [q.remaining for q in first.quotas]
    assert await api.count("lessons") == 1


async def test_the_local_operator_spends_no_quota(api: Guarded) -> None:
    result = await api.guarded(GenerateRequest("Tides"), None, use_cache=False)
    assert result.quotas == ()
    assert [await api.count(t) for t in ("rate_buckets", "day_counts", "lessons")] == [0, 0, 1]


async def test_a_cache_hit_is_a_new_lesson_from_the_cached_text(api: Guarded, made: Parts) -> None:
    first = await api.guarded(GenerateRequest("Tides"), "client")
    hit = await api.guarded(GenerateRequest("  Tides "), "client")
    assert hit.lesson_id != first.lesson_id
    assert json.loads(hit.body)["meta"]["cache"] == "lesson"
    assert (len(made.gatherer.calls), len(made.structurer.calls)) == (1, 1)
    assert first.record is not None
    assert hit.record is not None
    assert hit.record.lesson_json == first.record.lesson_json
    assert await api.count("lessons") == 2


async def test_without_the_cache_nothing_is_read_but_the_lesson_is_cached(
    api: Guarded, made: Parts
) -> None:
    for _ in range(2):
        await api.guarded(GenerateRequest("Tides"), "client", use_cache=False)
    assert len(made.structurer.calls) == 2
    assert await api.count("cache") == 2  # the lesson and its material


async def test_a_failure_after_the_claim_frees_the_key_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    made = parts([INVALID, VALID], [INVALID])
    made.gatherer.outputs.append(IDM)
    api = Guarded(tmp_path, (made.gatherer, made.structurer, made.repairer))
    try:
        request = GenerateRequest("Tides", idempotency_key="k-1")
        with pytest.raises(InvalidLessonError):
            await api.guarded(request, "client")
        assert [await api.count(t) for t in ("lessons", "cache", "idempotency")] == [0, 0, 0]
        retried = await api.guarded(request, "client")  # the key is free again
        assert not retried.replayed
        assert await api.count("lessons") == 1
    finally:
        api.close()


@pytest.mark.parametrize("key", [None, "k-1"])
async def test_progress_is_told_every_step_and_the_store(api: Guarded, key: str | None) -> None:
    progress = RecordingProgress()
    request = GenerateRequest("Tides", idempotency_key=key)
    await api.guarded(request, None, use_cache=False, progress=progress)
    assert progress.events == [
        ("gather", "start"), ("gather", "done"), ("structure", "start"), ("structure", "done"),
        ("validate", "start"), ("validate", "done"), ("repair", "skipped"),
        ("store", "start"), ("store", "done"),
    ]  # fmt: skip
