"""Application errors: what can go wrong, in terms the entry points map to responses."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of every error a use case or port raises on purpose. ``code`` is stable."""

    code = "internal"


class InvalidRequestError(ApplicationError):
    """The request itself is wrong (e.g. an empty topic); nothing was attempted."""

    code = "invalid_request"


class NotFoundError(ApplicationError):
    """The lesson (or record) does not exist."""

    code = "not_found"


class VersionConflictError(ApplicationError):
    """An update named a version that is no longer current: nothing was changed."""

    code = "version_conflict"

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"expected version {expected}, but the lesson is at {current}")
        self.expected = expected
        self.current = current


class PreconditionFailedError(ApplicationError):
    """A change made on a condition (If-Match) the lesson does not meet: nothing was changed.

    Unlike a ``VersionConflictError`` (lost to a concurrent change), the caller said which
    version it expected, so it is never retried.
    """

    code = "precondition_failed"


class InvalidCursorError(ApplicationError):
    """A list cursor that was tampered with, or made for another query or server."""

    code = "invalid_cursor"


class ForeignCursorError(InvalidCursorError):
    """A list cursor issued to another caller: a listing continues only for its owner."""

    code = "foreign_cursor"


class LessonTooLargeError(ApplicationError):
    """A lesson too large for the store, refused before any write."""

    code = "lesson_too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the stored lesson would take {size} bytes; the limit is {limit}")
        self.size = size
        self.limit = limit


class StoreUnavailableError(ApplicationError):
    """The store did not answer (or kept throttling) within the allowed attempts."""

    code = "store_unavailable"


class FencedError(ApplicationError):
    """An idempotency claim was taken over by a newer attempt: this one may not finish."""

    code = "idempotency_fenced"


class AlreadyExistsError(ApplicationError):
    """A record with this id already exists."""

    code = "already_exists"


class GenerationError(ApplicationError):
    """A generation could not produce a valid lesson; nothing was stored."""

    code = "generation_failed"


class StructuredOutputUnavailableError(GenerationError):
    """The selected model cannot do JSON-schema structured output (no call was made)."""

    code = "structured_output_unavailable"


class ProviderUnavailableError(GenerationError):
    """The model provider failed or could not be reached, after the allowed attempts."""

    code = "provider_unavailable"


class ProviderRejectedSchemaError(GenerationError):
    """The provider refused the JSON schema of the request (HTTP 400): retrying cannot help.

    The message names the provider's rule; ``dgs providers check`` shows it before any
    lesson is asked for.
    """

    code = "provider_rejected_schema"


class ProviderRateLimitedError(GenerationError):
    """The provider kept rate limiting within the request's deadline."""

    code = "provider_rate_limited"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderTimeoutError(GenerationError):
    """The model did not answer in time."""

    code = "provider_timeout"


class ModelRefusedError(GenerationError):
    """The model refused to write the material."""

    code = "model_refused"


class OutputTruncatedError(GenerationError):
    """The model ran out of output tokens (finish_reason length): no repair is attempted."""

    code = "output_truncated"


class BadModelOutputError(GenerationError):
    """The gathered material (IDM) was not the JSON asked for; material is never repaired."""

    code = "bad_model_output"


class InvalidLessonError(GenerationError):
    """The lesson is invalid and repair is off, or the repair did not make it valid."""

    code = "invalid_after_repair"

    def __init__(self, message: str, errors: tuple[dict[str, str], ...]) -> None:
        super().__init__(message)
        self.errors = errors


class InvalidModelOutputError(InvalidLessonError):
    """The final lesson output could not be read or checked at all, even after one repair.

    Not strict JSON (``NaN``, ``Infinity``, lone surrogates, malformed), nested deeper than
    the limit, or a value validation cannot evaluate: ``errors`` says which.
    """

    code = "invalid_model_output"
