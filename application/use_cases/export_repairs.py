"""ExportRepairs: the repair log as a fine-tuning dataset, deduplicated, with a held-out split.

Only a repair that ended valid teaches anything: its corrected lesson is the answer. A
record is skipped, with its reason counted, when it cannot give an example that is both
faithful (the messages exactly as the model had them) and right (a lesson valid today).
Examples with the same input are kept once (the oldest). Each example goes to the
held-out split by a hash of its input and the seed, so an export made again, over more
or fewer records, puts every input in the same split as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from application.evaluation.token_model import approx_tokens
from application.ports.generation import LoggedRepair, RepairLogReader
from application.ports.training import ExampleFormat, Task
from application.use_cases.lesson_verdict import judge

Split = Literal["train", "holdout"]

# Why a record gives no example, in the order they are checked.
SKIP_REASONS = {
    "not_valid": "its repair did not end valid",
    "unreadable": "not a repair record this version can read",
    "truncated": "a part was cut to keep the record under the size cap",
    "other_prompts": "made with other prompt files: its messages cannot be rebuilt",
    "no_constraints": "kept before the request's constraints were: no Structurer prompt",
    "no_longer_valid": "its corrected lesson fails validation today",
}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What to export.

    Records made from ``since`` (all when ``None``), the step they teach, and the
    fraction of inputs held out (from 0 to under 1) with the seed of the split.
    """

    since: datetime | None = None
    task: Task = "structurer"
    holdout: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.holdout < 1:
            raise ValueError(f"the held-out fraction must be from 0 to under 1: {self.holdout}")


@dataclass
class ExportCounts:
    """What an export read and wrote: ``read`` = skipped + duplicates + train + holdout."""

    read: int = 0
    valid: int = 0  # records whose repair ended valid (some may still be skipped)
    skipped: dict[str, int] = field(default_factory=dict)  # by SKIP_REASONS key
    duplicates: int = 0
    examples: dict[Split, int] = field(default_factory=lambda: {"train": 0, "holdout": 0})
    tokens: dict[Split, int] = field(default_factory=lambda: {"train": 0, "holdout": 0})


def split_of(input_key: str, holdout: float, seed: int) -> Split:
    """The split of an input: the hash of seed and key, read as a fraction, against ``holdout``."""
    digest = hashlib.sha256(f"{seed}:{input_key}".encode()).digest()
    return "holdout" if int.from_bytes(digest[:8], "big") / 2**64 < holdout else "train"


class ExportRepairs:
    """Reads the repair log and writes each example through ``write(split, line)``."""

    def __init__(
        self, log: RepairLogReader, examples: ExampleFormat, *, prompt_version: str
    ) -> None:
        self._log = log
        self._examples = examples
        self._prompt_version = prompt_version

    async def __call__(
        self, options: ExportOptions, write: Callable[[Split, str], None]
    ) -> ExportCounts:
        """Export every record of the log from ``options.since``; return the counts."""
        counts = ExportCounts()
        seen: set[str] = set()
        async for logged in self._log.read(options.since):
            counts.read += 1
            counts.valid += logged.outcome == "valid"
            reason = self._skip_reason(logged, options.task)
            if reason is not None:
                counts.skipped[reason] = counts.skipped.get(reason, 0) + 1
                continue
            assert logged.record is not None
            example = self._examples.example(logged.record, options.task)
            if example.input_key in seen:
                counts.duplicates += 1
                continue
            seen.add(example.input_key)
            split = split_of(example.input_key, options.holdout, options.seed)
            write(split, example.line)
            counts.examples[split] += 1
            counts.tokens[split] += approx_tokens(example.chars)
        return counts

    def _skip_reason(self, logged: LoggedRepair, task: Task) -> str | None:
        if logged.outcome != "valid":
            return "not_valid"
        if logged.record is None:
            return logged.problem or "unreadable"
        record = logged.record
        if record.prompt_version != self._prompt_version:
            return "other_prompts"
        if task == "structurer" and record.constraints is None:
            return "no_constraints"
        if not judge(record.repaired_lesson, record.schema_version).ok:
            return "no_longer_valid"
        return None
