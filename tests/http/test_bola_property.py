"""BOLA property test (issue 14): callers driven through random sequences of every lesson
operation, on both stores, never read or change one another's lessons.

One app per store serves every example (its store grows as examples run), with three
callers: the dev key (the dev tenant) and two users of a moto Cognito pool. A model kept
beside it knows which caller owns each lesson; every answer is checked against it: a
caller's own lesson is served, any other (another caller's, or one that never existed)
is 404 the same way; a listing, followed page by page, holds exactly the caller's
lessons matching its filters; a cursor works only for the caller it was issued to.
``EXAMPLES`` gives the number of generated examples per store.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entrypoints.container import shutdown
from tests.http.owners import Callers, open_callers
from tests.support.cognito import Pool
from tests.support.dynamo_proxy import DynamoProxy

# Examples per store: 1,050 in all. DynamoDB on moto answers each call in milliseconds,
# not microseconds, and a listing walks every page: it gets fewer, of the same operations.
EXAMPLES = {"sqlite": 800, "dynamodb": 250}
CALLERS = ["dev", "u0", "u1"]
TOPICS = ["Tides", "Volcanoes", "Photosynthesis"]
TAGS = ["red", "blue"]


@dataclass
class Lesson:
    owner: str
    topic: str
    tags: set[str] = field(default_factory=set)
    version: int = 1
    deleted: bool = False


@dataclass
class Model:
    """What the store must hold: every lesson made, by id."""

    lessons: dict[str, Lesson] = field(default_factory=dict)
    cursors: dict[str, str] = field(default_factory=dict)  # a caller's last cursor
    operations: int = 0
    refused_foreign: int = 0

    def own(self, caller: str, tag: str | None = None) -> set[str]:
        return {
            i
            for i, lesson in self.lessons.items()
            if lesson.owner == caller and not lesson.deleted and (tag is None or tag in lesson.tags)
        }


caller = st.sampled_from(CALLERS)
operation = st.one_of(
    st.tuples(st.just("generate"), caller, st.sampled_from(TOPICS), st.booleans()),
    st.tuples(st.just("get"), caller, st.integers(0, 10**6)),
    st.tuples(st.just("patch"), caller, st.integers(0, 10**6), st.sampled_from(TAGS)),
    st.tuples(st.just("list"), caller, st.sampled_from([None, *TAGS]), st.sampled_from([2, 10])),
    st.tuples(st.just("cursor"), caller, caller),
    st.tuples(st.just("delete"), caller, st.integers(0, 10**6)),
)


class Driver:
    """Runs operations against the app and checks each answer against the model."""

    def __init__(self, callers: Callers, loop: asyncio.AbstractEventLoop) -> None:
        self.callers, self.loop, self.model = callers, loop, Model()

    def call(self, who: str, method: str, target: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        api = self.callers.api
        return self.loop.run_until_complete(
            api.call(method, target, self.callers.headers[who], data)
        )

    def target(self, pick: int) -> str:
        """A known lesson (whoever owns it), or now and then one that never existed."""
        known = sorted(self.model.lessons)
        if not known or pick % 7 == 0:
            return str(uuid.UUID(int=pick))
        return known[pick % len(known)]

    def run(self, step: tuple[Any, ...]) -> None:
        self.model.operations += 1
        getattr(self, step[0])(*step[1:])

    def generate(self, who: str, topic: str, keyed: bool) -> None:
        headers_key = {"idempotency_key": f"k-{topic}"} if keyed else {}
        answer = self.call(who, "POST", "/v1/lessons/generate", {"topic": topic, **headers_key})
        assert answer.status == 201, answer.body
        lesson_id = answer.json()["lesson_id"]
        if lesson_id in self.model.lessons:  # a replay: of this caller's own key only
            assert keyed
            assert self.model.lessons[lesson_id].owner == who
        else:
            self.model.lessons[lesson_id] = Lesson(who, topic)

    def _expect_own(self, who: str, lesson_id: str, answer: Any) -> Lesson | None:
        lesson = self.model.lessons.get(lesson_id)
        if lesson is None or lesson.owner != who or lesson.deleted:
            assert answer.status == 404, (who, lesson_id, answer)
            assert answer.json()["code"] == "not_found"
            if lesson is not None:
                self.model.refused_foreign += 1
            return None
        assert answer.status < 300, (who, lesson_id, answer)
        return lesson

    def get(self, who: str, pick: int) -> None:
        lesson_id = self.target(pick)
        answer = self.call(who, "GET", f"/v1/lessons/{lesson_id}")
        lesson = self._expect_own(who, lesson_id, answer)
        if lesson is not None:
            body = answer.json()
            assert body["lesson_id"] == lesson_id
            assert (set(body["tags"]), body["version"]) == (lesson.tags, lesson.version)

    def patch(self, who: str, pick: int, tag: str) -> None:
        lesson_id = self.target(pick)
        answer = self.call(who, "PATCH", f"/v1/lessons/{lesson_id}", {"tags_add": [tag]})
        lesson = self._expect_own(who, lesson_id, answer)
        if lesson is not None:
            lesson.tags.add(tag)
            lesson.version += 1
            assert answer.json()["version"] == lesson.version

    def delete(self, who: str, pick: int) -> None:
        lesson_id = self.target(pick)
        answer = self.call(who, "DELETE", f"/v1/lessons/{lesson_id}")
        lesson = self._expect_own(who, lesson_id, answer)
        if lesson is not None:
            assert answer.status == 204
            lesson.deleted = True

    def list(self, who: str, tag: str | None, limit: int) -> None:
        query = f"limit={limit}" + (f"&tag={tag}" if tag else "")
        seen: list[str] = []
        cursor: str | None = None
        while True:
            page = self.call(
                who, "GET", f"/v1/lessons?{query}" + (f"&cursor={cursor}" if cursor else "")
            )
            assert page.status == 200, page.body
            seen += [item["lesson_id"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
            self.model.cursors[who] = f"{query}&cursor={cursor}"
        assert len(seen) == len(set(seen))
        assert set(seen) == self.model.own(who, tag), (who, tag)

    def cursor(self, issued_to: str, who: str) -> None:
        query = self.model.cursors.get(issued_to)
        if query is None:
            return
        answer = self.call(who, "GET", f"/v1/lessons?{query}")
        if who == issued_to:
            assert answer.status == 200
            assert {i["lesson_id"] for i in answer.json()["items"]} <= self.model.own(who)
        else:
            assert answer.status == 400
            assert answer.json()["code"] == "foreign_cursor"
            self.model.refused_foreign += 1


@pytest.mark.parametrize("store", ["sqlite", "dynamodb"])
def test_no_caller_reads_or_writes_another_callers_lessons(
    tmp_path: Path,
    cognito_pool: Pool,
    moto_proxy: DynamoProxy,
    monkeypatch: pytest.MonkeyPatch,
    store: str,
) -> None:
    loop = asyncio.new_event_loop()
    try:
        callers = loop.run_until_complete(
            open_callers(tmp_path, cognito_pool, store, moto_proxy, monkeypatch)
        )
        callers.headers = {name: callers.headers[name] for name in CALLERS}
        driver = Driver(callers, loop)
        examples = 0

        @settings(
            max_examples=EXAMPLES[store],
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(st.lists(operation, min_size=1, max_size=4))
        def sequence(steps: list[tuple[Any, ...]]) -> None:
            nonlocal examples
            examples += 1
            for step in steps:
                driver.run(step)

        try:
            sequence()
        finally:
            loop.run_until_complete(shutdown(callers.api.container))
    finally:
        loop.close()
    model = driver.model
    assert examples >= EXAMPLES[store]
    # The sequences did reach across callers, and made lessons for each of them.
    assert model.refused_foreign > EXAMPLES[store] // 5
    assert any(lesson.deleted for lesson in model.lessons.values())
    assert {lesson.owner for lesson in model.lessons.values()} == set(CALLERS)
    print(
        f"BOLA {store}: {examples} examples, {model.operations} operations, "
        f"{len(model.lessons)} lessons, {model.refused_foreign} cross-caller attempts refused"
    )
