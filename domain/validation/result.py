"""What validation reports: issues located by JSON Pointer, and the overall result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.limits import MAX_REPORTED_ISSUES

Path = tuple[str | int, ...]
SCHEMA_SOURCE = "schema"


def pointer(path: Path) -> str:
    """Format a path as an RFC 6901 JSON Pointer."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


@dataclass(frozen=True, slots=True)
class Issue:
    """One error or warning: where (JSON Pointer), what (stable code), why, and by which rule."""

    path: str
    code: str
    message: str
    rule_source: str

    def to_dict(self) -> dict[str, str]:
        """The JSON shape shared by the CLI and the HTTP API."""
        return {
            "path": self.path,
            "code": self.code,
            "message": self.message,
            "rule_source": self.rule_source,
        }


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """The verdict on a payload; ``lesson`` is its canonical full form (JSON) when ``ok``.

    ``errors`` and ``warnings`` are the first ``MAX_REPORTED_ISSUES`` found of each, in
    the order found; ``error_count`` and ``warning_count`` count all of them.
    """

    ok: bool
    schema_version: str | None
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    lesson: dict[str, Any] | None
    error_count: int
    warning_count: int

    @property
    def errors_truncated(self) -> bool:
        """Whether more errors were found than ``errors`` lists."""
        return self.error_count > len(self.errors)

    @property
    def warnings_truncated(self) -> bool:
        """Whether more warnings were found than ``warnings`` lists."""
        return self.warning_count > len(self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """The ``dgs validate --json`` shape (also the HTTP validate body)."""
        return {
            "ok": self.ok,
            "schema_version": self.schema_version,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            "error_count": self.error_count,
            "errors_truncated": self.errors_truncated,
            "warning_count": self.warning_count,
            "warnings_truncated": self.warnings_truncated,
        }


class Reporter:
    """Counts the issues of one validation run and keeps the first ``limit`` of each kind.

    Past the limit an issue is only counted: a payload with half a million errors costs
    a counter, not half a million objects. Each finding is reported once by its source
    (a widget's model errors are merged where they land on the same place, see
    ``widget.model_accepts``), so the counts are exact.
    """

    def __init__(self, limit: int = MAX_REPORTED_ISSUES) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.error_count = 0
        self.warning_count = 0
        self._limit = limit

    def add(
        self, path: Path, code: str, message: str, source: str, *, warning: bool = False
    ) -> None:
        """Count an issue; keep it if fewer than ``limit`` of its kind are kept."""
        if warning:
            self.warning_count += 1
            if self.warning_count <= self._limit:
                self.warnings.append(Issue(pointer(path), code, message, source))
        else:
            self.error_count += 1
            if self.error_count <= self._limit:
                self.errors.append(Issue(pointer(path), code, message, source))

    def full(self, *, warning: bool = False) -> bool:
        """Whether the next issue of this kind is only counted (callers may skip locating it)."""
        return (self.warning_count if warning else self.error_count) >= self._limit

    def count(self, *, warning: bool = False) -> None:
        """Count an issue that is not kept (the reporter is ``full``)."""
        if warning:
            self.warning_count += 1
        else:
            self.error_count += 1
