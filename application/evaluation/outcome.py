"""What one evaluation run produced: one record per (configuration, topic, run index).

Runs are appended to the results file as they end (one JSON object a line), so an
interrupted evaluation resumes from the runs already done; these records are also what
the report is computed from, and what a user reads to inspect a failure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from application.records import StepUsage

Outcome = Literal["valid_first_pass", "valid_after_repair", "failed"]
OUTCOMES: tuple[Outcome, ...] = ("valid_first_pass", "valid_after_repair", "failed")


def run_key(config: str, topic_id: str, run: int) -> str:
    """The identity of one run in the results file."""
    return f"{config}/{topic_id}/{run}"


@dataclass(frozen=True, slots=True)
class RunEstimate:
    """What the estimate said before the run: tokens expected and the cost range."""

    input_tokens: int
    output_tokens: int
    cost_low: float | None
    cost_expected: float | None
    cost_high: float | None


@dataclass(frozen=True, slots=True)
class RunResult:
    """One generation of an evaluation, whatever its outcome."""

    config: str
    topic_id: str
    run: int
    topic: dict[str, Any]  # the input, as written (EvalTopic.describe())
    outcome: Outcome
    repaired: bool  # a repair call was made
    latency_ms: float  # end to end, as the caller waited
    steps_ms: dict[str, float] = field(default_factory=dict)
    usage: tuple[StepUsage, ...] = ()  # the calls made, as the pipeline reported them
    cost_usd: float = 0.0
    code: str | None = None  # the typed error code of a failure
    message: str | None = None
    errors: tuple[dict[str, str], ...] = ()  # the last validation errors of a failure
    first_pass_errors: tuple[dict[str, str], ...] = ()  # what the repair call was given
    raw_output: str | None = None  # the last model output of a failure (may be cut)
    warnings: tuple[str, ...] = ()  # codes of the soft-rule warnings of a valid lesson
    client_violations: tuple[str, ...] = ()  # codes of the DLE client rules it breaks
    widgets: dict[str, int] = field(default_factory=dict)
    cache: str | None = None
    lesson_id: str | None = None
    estimate: RunEstimate | None = None

    @property
    def key(self) -> str:
        """The key of the run in the results file."""
        return run_key(self.config, self.topic_id, self.run)

    @property
    def valid(self) -> bool:
        """Whether a valid lesson came out (on the first pass or after the repair)."""
        return self.outcome != "failed"

    def to_dict(self) -> dict[str, Any]:
        """A JSON object (one line of the results file)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """The inverse of ``to_dict``; ``KeyError``/``TypeError``/``ValueError`` if malformed."""
        values = dict(data)
        if values["outcome"] not in OUTCOMES:
            raise ValueError(f"unknown outcome {values['outcome']!r}")
        values["usage"] = tuple(StepUsage(**call) for call in values.get("usage", ()))
        for name in ("errors", "first_pass_errors"):
            values[name] = tuple(values.get(name, ()))
        for name in ("warnings", "client_violations"):
            values[name] = tuple(values.get(name, ()))
        estimate = values.get("estimate")
        values["estimate"] = RunEstimate(**estimate) if estimate is not None else None
        return cls(**values)
