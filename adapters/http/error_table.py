"""The HTTP error table: each application error's status, each status's title.

No framework here: the job runner's ``describe`` (``job_problem``) reads the same table
in processes that serve no HTTP (``dgs worker``, the worker Lambda), without Litestar.
"""

from __future__ import annotations

import logging

from application.errors import (
    AlreadyExistsError,
    ApplicationError,
    BadModelOutputError,
    FencedError,
    InvalidCursorError,
    InvalidLessonError,
    InvalidModelOutputError,
    InvalidRequestError,
    LessonTooLargeError,
    ModelRefusedError,
    NotFoundError,
    OutputTruncatedError,
    PreconditionFailedError,
    ProviderRateLimitedError,
    ProviderRejectedSchemaError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    StoreUnavailableError,
    StructuredOutputUnavailableError,
    VersionConflictError,
)
from application.jobs.records import JobProblem
from application.jobs.transitions import JobFinishedError, LeaseLostError
from application.use_cases.guarded_generation import (
    IdempotencyInProgressError,
    IdempotencyMismatchError,
)
from application.use_cases.jobs.run_job import GenerationCanceledError
from application.use_cases.rate_limits import RateLimitedError

log = logging.getLogger("dgs.http")

STATUS: dict[type[ApplicationError], int] = {
    InvalidRequestError: 422,
    InvalidCursorError: 400,
    NotFoundError: 404,
    PreconditionFailedError: 412,
    VersionConflictError: 409,
    AlreadyExistsError: 409,
    FencedError: 409,
    IdempotencyInProgressError: 409,
    IdempotencyMismatchError: 422,
    LessonTooLargeError: 413,
    RateLimitedError: 429,
    BadModelOutputError: 502,
    ModelRefusedError: 502,
    OutputTruncatedError: 502,
    InvalidModelOutputError: 502,
    InvalidLessonError: 502,
    ProviderRejectedSchemaError: 502,
    StoreUnavailableError: 503,
    ProviderUnavailableError: 503,
    ProviderRateLimitedError: 503,
    StructuredOutputUnavailableError: 503,
    ProviderTimeoutError: 504,
    JobFinishedError: 409,
    # A synchronous generation's job canceled through POST /v1/jobs/{id}/cancel.
    GenerationCanceledError: 409,
    # A job run inline whose lease another worker took over (its loop stalled a lease long).
    LeaseLostError: 503,
}
TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed",
    408: "Request timeout", 409: "Conflict", 412: "Precondition failed", 413: "Payload too large",
    415: "Unsupported media type", 422: "Unprocessable content", 429: "Too many requests",
    500: "Internal server error", 502: "Bad model output", 503: "Service unavailable",
    504: "Model timeout",
}  # fmt: skip
# What a client learns of a store failure; which store failed and how goes to the log.
STORE_UNAVAILABLE_DETAIL = "the store is unavailable; try again later"


def status_of(exc: ApplicationError) -> int:
    """The HTTP status of an application error: its own class's, else its nearest base's."""
    return next((STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS), 500)


# The issue names the code of a job past its one deadline (issue 13): the job's own
# deadline, not one call's, ran out.
JOB_TIMEOUT_CODE = "model_timeout"


def job_problem(exc: BaseException) -> JobProblem:
    """The problem a failed job records (``RunJob``'s ``describe``).

    The code, status, title and detail this table gives the synchronous route for the
    same error.
    """
    if isinstance(exc, ApplicationError):
        status = status_of(exc)
        if status != 500:
            code = JOB_TIMEOUT_CODE if isinstance(exc, ProviderTimeoutError) else exc.code
            detail = (
                STORE_UNAVAILABLE_DETAIL if isinstance(exc, StoreUnavailableError) else str(exc)
            )
            return JobProblem(code, status, TITLES[status], detail)
    # Not logged here: the runner logs a worker's job once, and an inline job's error
    # reaches the route's handler, which logs it with the request's id.
    return JobProblem("internal_error", 500, TITLES[500], "something went wrong on our side")
