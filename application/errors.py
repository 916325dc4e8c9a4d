"""Application errors: what can go wrong, in terms the entry points map to responses."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of every error a use case or port raises on purpose. ``code`` is stable."""

    code = "internal"


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


class InvalidCursorError(ApplicationError):
    """A list cursor that was tampered with, or made for another query or server."""

    code = "invalid_cursor"


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
