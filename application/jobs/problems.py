"""The problem a failed job records: what the synchronous route would have answered.

The HTTP edge owns the full status table (``adapters/http/problems.py``) and may give
the runner its own ``describe``; this default covers the generation errors a job meets.
A job past its deadline fails with ``model_timeout`` (issue 13).
"""

from __future__ import annotations

from application.errors import (
    ApplicationError,
    GenerationError,
    InvalidRequestError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    StoreUnavailableError,
    StructuredOutputUnavailableError,
)
from application.jobs.records import JobProblem

WORKER_LOST = JobProblem(
    "worker_lost", 503, "Service unavailable", "the worker running this job stopped answering"
)
_UNAVAILABLE = (StoreUnavailableError, ProviderUnavailableError, StructuredOutputUnavailableError)


def problem_of(exc: BaseException) -> JobProblem:
    """The problem object of an error that ended a job."""
    if isinstance(exc, ProviderTimeoutError):
        return JobProblem("model_timeout", 504, "Model timeout", str(exc))
    if isinstance(exc, InvalidRequestError):
        return JobProblem(exc.code, 422, "Unprocessable content", str(exc))
    if isinstance(exc, _UNAVAILABLE):
        return JobProblem(exc.code, 503, "Service unavailable", str(exc))
    if isinstance(exc, GenerationError):
        return JobProblem(exc.code, 502, "Bad model output", str(exc))
    if isinstance(exc, ApplicationError):
        return JobProblem(exc.code, 500, "Internal server error", str(exc))
    # A bug: the record says so without the details (they go to the log).
    return JobProblem("internal", 500, "Internal server error", "the job failed unexpectedly")
