"""ExportRepairs over an in-memory repair log: which records become examples, and why not."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.llm.chat_examples import OpenAiChatExamples
from adapters.llm.prompt_files import prompt_version
from application.ports.generation import LoggedRepair, RepairRecord
from application.use_cases.export_repairs import (
    ExportCounts,
    ExportOptions,
    ExportRepairs,
    Split,
    split_of,
)
from domain.generation import LessonConstraints
from domain.validation.result import Issue
from tests.support.generation import IDM, INVALID, VALID

START = datetime(2026, 11, 1, tzinfo=UTC)
ISSUE = Issue("/title", "value.empty", "the title is empty", "schema")


class MemoryLog:
    def __init__(self, entries: list[LoggedRepair]) -> None:
        self.entries = entries

    async def read(self, since: datetime | None = None) -> AsyncIterator[LoggedRepair]:
        for entry in self.entries:
            if since is None or entry.created_at >= since:
                yield entry


def record(**changes: Any) -> RepairRecord:
    fields: dict[str, Any] = {
        "idm": IDM, "invalid_lesson": INVALID, "errors": (ISSUE,), "repaired_lesson": VALID,
        "outcome": "valid", "schema_version": "1.1", "prompt_version": prompt_version(),
        "constraints": LessonConstraints(), "owner": "USER#alice",
    }  # fmt: skip
    return RepairRecord(**{**fields, **changes})


def logged(*records: RepairRecord | LoggedRepair) -> MemoryLog:
    entries = []
    for n, item in enumerate(records):
        if isinstance(item, RepairRecord):
            item = LoggedRepair(f"r{n}", START + timedelta(minutes=n), item.outcome, item)
        entries.append(item)
    return MemoryLog(entries)


async def export(
    log: MemoryLog, **options: Any
) -> tuple[ExportCounts, dict[Split, list[dict[str, Any]]]]:
    written: dict[Split, list[dict[str, Any]]] = {"train": [], "holdout": []}
    use_case = ExportRepairs(log, OpenAiChatExamples(), prompt_version=prompt_version())
    counts = await use_case(
        ExportOptions(**options), lambda split, line: written[split].append(json.loads(line))
    )
    held = counts.examples["train"] + counts.examples["holdout"]
    assert counts.read == sum(counts.skipped.values()) + counts.duplicates + held
    return counts, written


async def test_each_record_that_cannot_give_a_faithful_valid_example_is_skipped_with_why() -> None:
    counts, written = await export(
        logged(
            record(),
            record(outcome="invalid"),
            LoggedRepair("cut", START, "valid", None, "truncated"),
            LoggedRepair("bad", START, "valid", None, "unreadable"),
            record(prompt_version="v1-0123456789"),  # the prompt files have changed since
            record(constraints=None, idm=IDM.model_copy(update={"vocabulary": []})),
            record(repaired_lesson=INVALID),  # recorded valid, invalid by today's rules
            record(),  # the same input as the first
        )
    )
    assert (counts.read, counts.valid, counts.duplicates) == (8, 7, 1)
    assert counts.skipped == {
        "not_valid": 1, "truncated": 1, "unreadable": 1, "other_prompts": 1,
        "no_constraints": 1, "no_longer_valid": 1,
    }  # fmt: skip
    assert counts.examples == {"train": 1, "holdout": 0}
    (example,) = written["train"]
    assert json.loads(example["messages"][2]["content"]) == VALID
    assert counts.tokens["train"] == -(-sum(len(m["content"]) for m in example["messages"]) // 4)


async def test_a_repair_example_needs_no_constraints() -> None:
    counts, written = await export(logged(record(constraints=None)), task="repair")
    assert counts.examples["train"] == 1
    system, user, _ = written["train"][0]["messages"]
    assert json.dumps(INVALID, ensure_ascii=False) in system["content"]
    assert ISSUE.message in system["content"]
    assert user["content"] == "Correct the lesson."


async def test_an_unreadable_output_is_given_to_the_repairer_as_its_raw_text() -> None:
    raw = '{"title": "Tides", "blocks": [NaN]}'
    unreadable = Issue("", "json.invalid_number", "NaN is not JSON", "json")
    _, written = await export(
        logged(record(invalid_lesson=raw, errors=(unreadable,))), task="repair"
    )
    system = written["train"][0]["messages"][0]["content"]
    assert system.endswith(f"\n{raw}\n")  # as written, not quoted as a JSON string
    assert json.dumps(raw) not in system


async def test_the_split_follows_the_hash_of_the_input_and_the_seed() -> None:
    records = [
        record(idm=IDM.model_copy(update={"learning_objectives": [str(n)]})) for n in range(40)
    ]
    counts, written = await export(logged(*records), holdout=0.3, seed=5)
    assert 0 < counts.examples["holdout"] < 40
    _, again = await export(logged(*reversed(records)), holdout=0.3, seed=5)
    assert sorted(map(json.dumps, again["holdout"])) == sorted(map(json.dumps, written["holdout"]))
    assert split_of("key", 0.0, 1) == "train"
    assert {split_of(str(n), 0.5, 1) for n in range(20)} == {"train", "holdout"}


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_a_held_out_fraction_outside_0_to_1_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        ExportOptions(holdout=fraction)
