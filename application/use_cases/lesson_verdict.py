"""The verdict on a model's lesson output, whatever it is, and the error when it fails.

Readable JSON is judged by ``validate_lesson``, which returns a verdict for every JSON
value (too deep, too large and patterns it cannot run are errors like any other). Output
that could not be read as strict JSON (``UnreadableOutput``) gets a verdict too: an
invalid result with one error that says why, so that the pipeline repairs it like any
invalid lesson instead of failing with a 500. When the last output still fails, the
error says how: ``invalid_model_output`` (unreadable) or ``invalid_after_repair``.
"""

from __future__ import annotations

from typing import Any

from application.errors import InvalidLessonError, InvalidModelOutputError
from application.ports.generation import UnreadableOutput
from domain.validation.document import validate_lesson
from domain.validation.result import Issue, ValidationResult


def judge(output: Any, schema_version: str) -> ValidationResult:
    """The verdict on a model's lesson output, whatever it is: never raises."""
    if isinstance(output, UnreadableOutput):
        return _refused(schema_version, Issue("", output.code, output.problem, "json"))
    return validate_lesson(output, schema_version)


def _refused(schema_version: str, issue: Issue) -> ValidationResult:
    return ValidationResult(False, schema_version, (issue,), (), None, 1, 0)


def failure(output: Any, result: ValidationResult, *, after_repair: bool) -> InvalidLessonError:
    """``InvalidModelOutputError`` when the last output could not be read at all."""
    errors = tuple(issue.to_dict() for issue in result.errors)
    if isinstance(output, UnreadableOutput):
        if after_repair:
            return InvalidModelOutputError(
                "the lesson output is unreadable after one repair", errors
            )
        return InvalidModelOutputError("the lesson output is unreadable; repair is off", errors)
    if after_repair:
        return InvalidLessonError("the lesson is still invalid after one repair", errors)
    return InvalidLessonError("the lesson is invalid and repair is off", errors)


def as_recorded(output: Any) -> Any:
    """What the repair log keeps of an output: the JSON, or the raw text that was not JSON."""
    return output.text if isinstance(output, UnreadableOutput) else output
