"""The generate request's ``prompt``: extra guidance for the Gatherer, checked like the topic,
and part of the cache keys and the idempotency fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.llm.prompt_files import gatherer_messages
from application.errors import InvalidRequestError
from application.use_cases.generation_request import GenerateRequest, fingerprint
from application.use_cases.guarded_generation import IdempotencyMismatchError
from domain.generation import LessonConstraints
from domain.values.lines import PROMPT
from tests.support.generation import IDM, VALID, Guarded, parts, pipeline

GUIDANCE = "Use examples from sailing; no formulas."


async def test_the_prompt_reaches_the_gatherer_trimmed() -> None:
    use_case, made = pipeline([VALID])
    await use_case.produce(use_case.prepare(_request(prompt=f"  {GUIDANCE} ")))
    ((topic, _, prompt),) = made.gatherer.calls
    assert (topic, prompt) == ("Tides", GUIDANCE)


async def test_no_prompt_and_a_blank_prompt_send_none() -> None:
    for blank in (None, "", "   "):
        use_case, made = pipeline([VALID])
        await use_case.produce(use_case.prepare(_request(prompt=blank)))
        assert made.gatherer.calls[0][2] is None


@pytest.mark.parametrize(
    "prompt",
    [
        "x" * (PROMPT.max_length + 1),
        "<script>alert(1)</script>",
        "line one\nline two",
        "sneaky\u202eright-to-left",
    ],
    ids=["too-long", "script", "two-lines", "bidi"],
)
def test_a_bad_prompt_is_refused_before_any_call(prompt: str) -> None:
    use_case, made = pipeline([VALID])
    with pytest.raises(InvalidRequestError, match="prompt"):
        use_case.prepare(_request(prompt=prompt))
    assert made.gatherer.calls == []


def test_a_prompt_of_the_longest_length_is_accepted() -> None:
    use_case, _ = pipeline([VALID])
    prepared = use_case.prepare(_request(prompt="x" * PROMPT.max_length))
    assert prepared.prompt == "x" * PROMPT.max_length


def test_the_prompt_is_part_of_both_cache_keys() -> None:
    use_case, _ = pipeline([VALID])
    plain = use_case.prepare(_request())
    guided = use_case.prepare(_request(prompt=GUIDANCE))
    other = use_case.prepare(_request(prompt="Use examples from farming."))
    assert len({plain.lesson_key, guided.lesson_key, other.lesson_key}) == 3
    assert len({plain.idm_key, guided.idm_key, other.idm_key}) == 3
    # A blank prompt is no prompt: the keys of lessons cached before prompts stay valid.
    assert use_case.prepare(_request(prompt=" ")).lesson_key == plain.lesson_key


def test_the_prompt_is_part_of_the_fingerprint_and_blank_is_none() -> None:
    plain = fingerprint(_request(), "shorthand", True)
    assert fingerprint(_request(prompt=GUIDANCE), "shorthand", True) != plain
    assert fingerprint(_request(prompt="  "), "shorthand", True) == plain
    assert fingerprint(_request(prompt=f" {GUIDANCE} "), "shorthand", True) == fingerprint(
        _request(prompt=GUIDANCE), "shorthand", True
    )


async def test_a_key_reused_with_another_prompt_is_refused(tmp_path: Path) -> None:
    made = parts([VALID, VALID])
    made.gatherer.outputs.append(IDM)
    api = Guarded(tmp_path, (made.gatherer, made.structurer, made.repairer))
    try:
        await api.guarded(_request(prompt=GUIDANCE, key="k-1"), "client")
        with pytest.raises(IdempotencyMismatchError):
            await api.guarded(_request(prompt="Use examples from farming.", key="k-1"), "client")
    finally:
        api.close()


async def test_a_guided_request_does_not_reuse_the_plain_lessons_material(tmp_path: Path) -> None:
    made = parts([VALID, VALID])
    made.gatherer.outputs.append(IDM)
    api = Guarded(tmp_path, (made.gatherer, made.structurer, made.repairer))
    try:
        await api.guarded(_request(), "client")
        await api.guarded(_request(prompt=GUIDANCE), "client")
    finally:
        api.close()
    assert [call[2] for call in made.gatherer.calls] == [None, GUIDANCE]


def test_the_gatherer_prompt_carries_the_guidance_only_when_given() -> None:
    constraints = LessonConstraints()
    plain = gatherer_messages("Tides", constraints)
    guided = gatherer_messages("Tides", constraints, GUIDANCE)
    assert GUIDANCE in guided.instructions
    assert GUIDANCE not in plain.instructions
    assert "{" not in plain.instructions
    assert "{" not in guided.instructions
    assert guided.user == plain.user  # the topic message is the same


def _request(prompt: str | None = None, key: str | None = None) -> GenerateRequest:
    return GenerateRequest("Tides", prompt=prompt, idempotency_key=key)
