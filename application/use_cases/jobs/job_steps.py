"""How a running job reports its steps: the subphase of a model step, and its calls.

Pure functions over the ``Draft`` a step returned; ``RunJob`` records what they make.
"""

from __future__ import annotations

from application.jobs.records import JobCall, Phase
from application.use_cases.generate_lesson import Step
from application.use_cases.lesson_draft import Draft

PHASE_OF: dict[Step, Phase] = {
    "gather": "collect",
    "structure": "transform",
    "validate": "validate",
    "repair": "repair",
}
MODEL_STEPS: frozenset[Step] = frozenset({"gather", "structure", "repair"})


def subphase(phase: Phase, draft: Draft, made: int) -> str | None:
    """``ai_call_{n}_of_{m}`` while a model step runs (m grows to 3 when a repair is due)."""
    if phase not in ("collect", "transform", "repair"):
        return None
    verdict = draft.verdict
    expected = 3 if verdict is not None and not verdict.ok else 2
    expected -= 1 if draft.idm_cached else 0
    return f"ai_call_{made + 1}_of_{max(expected, made + 1)}"


def new_calls(draft: Draft, known: int, latency_ms: int) -> list[JobCall]:
    """The model calls the last step made, as job calls."""
    return [
        JobCall(
            index=known + offset + 1,
            purpose=usage.step,
            provider=usage.provider,
            model=usage.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            cost_usd=usage.cost_usd,
            latency_ms=latency_ms,
        )
        for offset, usage in enumerate(draft.usage[known:])
    ]
