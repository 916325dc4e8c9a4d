"""Training examples made from repair records, in the format of a fine-tuning service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from application.ports.generation import RepairRecord

# Which step an example teaches: the Structurer (the material in, the lesson a repair
# made valid out) or the Repairer (an invalid lesson and its errors in, the same out).
Task = Literal["structurer", "repair"]


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """One example, ready to write.

    ``input_key`` identifies its input (everything the model is given before it answers),
    e.g. a hash of it: two examples with the same key are duplicates. ``chars`` counts
    the characters of its messages' text, for the token estimate.
    """

    input_key: str
    line: str  # one line of the dataset file, without the line break
    chars: int


@runtime_checkable
class ExampleFormat(Protocol):
    """Turns a repair record into a training example of one format."""

    def example(self, record: RepairRecord, task: Task) -> TrainingExample:
        """The example teaching ``task``; a Structurer example needs ``record.constraints``."""
        ...
