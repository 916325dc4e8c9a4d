"""What validation reports: issues located by JSON Pointer, and the overall result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    """The verdict on a payload; ``lesson`` is its canonical full form (JSON) when ``ok``."""

    ok: bool
    schema_version: str | None
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    lesson: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """The ``dgs validate --json`` shape."""
        return {
            "ok": self.ok,
            "schema_version": self.schema_version,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
        }


class Reporter:
    """Collects issues during one validation run, once each, in the order found."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self._seen: set[tuple[str, str, bool]] = set()

    def add(
        self, path: Path, code: str, message: str, source: str, *, warning: bool = False
    ) -> None:
        """Record an issue unless the same code was already reported at the same path."""
        where = pointer(path)
        key = (where, code, warning)
        if key in self._seen:
            return
        self._seen.add(key)
        (self.warnings if warning else self.errors).append(Issue(where, code, message, source))
