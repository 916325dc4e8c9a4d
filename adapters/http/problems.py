"""Every error as ``application/problem+json`` (RFC 9457), from one table.

Application errors carry a stable ``code``; this table gives each its HTTP status. No
stack trace, path or library name reaches a client: unexpected exceptions are logged
once, with the request id, and answered with a generic 500.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.types import ExceptionHandlersMap

from adapters.http.error_table import STORE_UNAVAILABLE_DETAIL, TITLES, status_of
from adapters.http.rate_limit_headers import rate_limit_headers
from adapters.http.wire import Issue, Problem
from application.errors import (
    ApplicationError,
    InvalidLessonError,
    ProviderRateLimitedError,
    StoreUnavailableError,
)
from application.use_cases.guarded_generation import IdempotencyInProgressError
from application.use_cases.rate_limits import RateLimitedError

log = logging.getLogger("dgs.http")
PROBLEM_JSON = "application/problem+json"

_DEFAULT_RETRY_AFTER = 5
_BODY_METHODS = frozenset({"POST", "PATCH", "PUT"})


class HttpProblem(HTTPException):
    """An error decided at the HTTP edge (bad header, missing key...), with its code."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.code = code


def request_id_of(request: Request[Any, Any, Any]) -> str:
    """The id the request-id middleware gave this request."""
    return str(request.scope.get("state", {}).get("request_id", "-"))


def problem(
    status: int, code: str, detail: str, request_id: str, errors: list[Issue] | None = None
) -> Problem:
    """The one place a problem body is made: by the handlers' table, the edge and the docs."""
    return Problem(
        type=f"https://dgs.dev/problems/{code}",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        request_id=request_id,
        errors=errors,
    )


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
) -> Response[bytes]:
    """The problem+json response."""
    body = msgspec.json.encode(problem(status, code, detail, request_id_of(request), errors))
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _retry_after(value: timedelta | float | None) -> dict[str, str]:
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    return {
        "Retry-After": str(
            max(1, math.ceil(seconds if seconds is not None else _DEFAULT_RETRY_AFTER))
        )
    }


def application_error(request: Request[Any, Any, Any], exc: ApplicationError) -> Response[bytes]:
    """An application error, by the table."""
    status = status_of(exc)
    if status == 500:
        return unexpected_error(request, exc)
    headers: dict[str, str] = {}
    if isinstance(exc, IdempotencyInProgressError | RateLimitedError | ProviderRateLimitedError):
        headers = _retry_after(exc.retry_after)
    elif status == 503:
        headers = _retry_after(None)
    if isinstance(exc, RateLimitedError):
        headers.update(rate_limit_headers(exc.quotas))
    errors = None
    detail = str(exc)
    if isinstance(exc, InvalidLessonError):
        errors = [Issue(**issue) for issue in exc.errors]
    elif isinstance(exc, StoreUnavailableError):
        # Vendor messages name files, tables and libraries: the log keeps them, with the
        # request id to find them by; the client gets the code and a generic detail.
        log.warning("store unavailable (request %s): %s", request_id_of(request), exc, exc_info=exc)
        detail = STORE_UNAVAILABLE_DETAIL
    return problem_response(request, status, exc.code, detail, headers, errors)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    """Framework and edge errors: routing, parsing, validation, size."""
    if isinstance(exc, HttpProblem):
        return problem_response(request, exc.status_code, exc.code, str(exc.detail), exc.headers)
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        in_body = any(str(e.get("source")) == "body" for e in extra if isinstance(e, dict))
        issues = [_issue(e) for e in extra if isinstance(e, dict)]
        if in_body:
            return problem_response(
                request, 422, "invalid_body", "the body does not match the schema", errors=issues
            )
        return problem_response(
            request, 400, "invalid_parameter", "a parameter is not valid", errors=issues
        )
    if isinstance(exc, NotFoundException):
        return problem_response(request, 404, "not_found", "no such resource")
    if isinstance(exc, MethodNotAllowedException):
        return problem_response(
            request, 405, "method_not_allowed", "this method is not allowed here", exc.headers
        )
    if exc.status_code == 413:
        return problem_response(
            request, 413, "payload_too_large", "the body is larger than this route accepts"
        )
    if type(exc) is ClientException and exc.status_code == 400 and request.method in _BODY_METHODS:
        # Litestar raises a bare 400 when the body cannot be decoded (its wording varies).
        return problem_response(request, 400, "malformed_json", "the body is not valid JSON")
    if 400 <= exc.status_code < 500:
        return problem_response(request, exc.status_code, "bad_request", "the request is not valid")
    return unexpected_error(request, exc)


def _issue(error: dict[str, Any]) -> Issue:
    message = str(error.get("message", ""))
    return Issue(
        path=f"/{error.get('key', '')}", code="invalid_value", message=message, rule_source="schema"
    )


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Log once with the request id; answer without any detail."""
    log.error("unexpected error (request %s)", request_id_of(request), exc_info=exc)
    return problem_response(request, 500, "internal_error", "something went wrong on our side")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ApplicationError: application_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
