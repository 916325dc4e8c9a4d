"""GenerateLesson keeps repair records best effort: a failure to keep one never fails a generation."""

from __future__ import annotations

import logging

import pytest

from application.errors import InvalidLessonError, LessonTooLargeError, StoreUnavailableError
from application.ports.generation import RepairRecord
from application.use_cases.generate_lesson import GenerateRequest
from tests.support.generation import INVALID, VALID, pipeline


class FailingRepairs:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    async def record(self, repair: RepairRecord) -> None:
        self.calls += 1
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        StoreUnavailableError("the SQLite store failed: database is locked"),
        LessonTooLargeError(612_000, 350_000),
        RuntimeError("a bug in the repair log"),
    ],
    ids=["store-unavailable", "too-large", "bug"],
)
async def test_a_failing_repair_log_never_fails_a_generation(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    repairs = FailingRepairs(error)
    use_case, parts = pipeline([INVALID], [VALID], repairs=repairs)
    with caplog.at_level(logging.WARNING, logger="dgs.repairs"):
        generated = await use_case(GenerateRequest("Tides"))
    assert generated.record.meta.repaired is True
    assert parts.lessons.saved == [generated.record]
    assert repairs.calls == 1
    (logged,) = [r for r in caplog.records if r.name == "dgs.repairs"]
    assert logged.exc_info is not None
    assert logged.exc_info[1] is error  # the cause is in the log, nowhere else


async def test_still_invalid_after_repair_fails_as_invalid_even_if_the_log_fails() -> None:
    repairs = FailingRepairs(StoreUnavailableError("down"))
    use_case, parts = pipeline([INVALID], [INVALID], repairs=repairs)
    with pytest.raises(InvalidLessonError):
        await use_case(GenerateRequest("Tides"))
    assert parts.lessons.saved == []
    assert repairs.calls == 1
