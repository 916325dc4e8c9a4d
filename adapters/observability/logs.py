"""Log lines: one JSON object per line, or ``key=value`` text for a terminal.

Both formats carry the same fields: ``ts`` (RFC 3339, UTC, milliseconds), ``level``,
``logger``, ``msg``, the request's ``request_id`` and ``trace_id`` when the line is
written during a request, and an event's own fields (``log.info("request",
extra=fields(...))``). Values are what the caller passed: callers never pass secrets,
keys, addresses or lesson bodies (the request and generation lines are built in
``adapters.observability.requests`` and ``...generations`` for that reason).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from adapters.observability.correlation import current_correlation

LogFormat = Literal["json", "text"]
_FIELDS = "dgs_fields"
_TEXT_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/-+@{}")


def fields(**values: Any) -> dict[str, Any]:
    """``extra=`` for a log call: the event's fields (None values are left out)."""
    return {_FIELDS: {k: v for k, v in values.items() if v is not None}}


def identity_hash(key: bytes, identity: str) -> str:
    """Who, as a keyed hash: the same identity gives the same value, none can be read back."""
    return hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()[:16]


def timestamp(created: float) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. ``2026-11-26T09:37:12.345Z``."""
    moment = datetime.fromtimestamp(created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Everything a line says, in a stable order."""
    out: dict[str, Any] = {
        "ts": timestamp(record.created),
        "level": record.levelname,
        "logger": record.name,
        "msg": record.getMessage(),
    }
    correlation = current_correlation()
    if correlation is not None:
        out["request_id"] = correlation.request_id
        out["trace_id"] = correlation.trace.trace_id
    out.update(getattr(record, _FIELDS, {}))
    if record.exc_info:
        out["exc"] = logging.Formatter().formatException(record.exc_info)
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line (non-ASCII kept, no line breaks inside)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        return json.dumps(
            record_fields(record), ensure_ascii=False, separators=(",", ":"), default=str
        )


class TextFormatter(logging.Formatter):
    """``ts LEVEL logger msg key=value ...`` for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of text (values quoted when they need it)."""
        values = record_fields(record)
        head = f"{values.pop('ts')} {values.pop('level'):<7} {values.pop('logger')}"
        message = values.pop("msg")
        trace = values.pop("exc", None)
        pairs = " ".join(f"{key}={_text_value(value)}" for key, value in values.items())
        line = " ".join(part for part in (head, _one_line(message), pairs) if part)
        return f"{line}\n{trace}" if trace else line


class StandardStreamHandler(logging.StreamHandler[TextIO]):
    """Writes to ``sys.stdout`` or ``sys.stderr`` as they are at each write.

    Not as they were at set-up: a process that swaps them (tests capturing output) gets
    its lines where it expects.
    """

    def __init__(self, name: Literal["stdout", "stderr"]) -> None:
        super().__init__()
        self._name = name

    @property
    def stream(self) -> TextIO:
        """The standard stream now."""
        stream: TextIO = getattr(sys, self._name)
        return stream

    @stream.setter
    def stream(self, _: TextIO) -> None:
        return  # StreamHandler.__init__ sets it; the property decides


def formatter(kind: LogFormat) -> logging.Formatter:
    """The formatter of a log format."""
    return JsonFormatter() if kind == "json" else TextFormatter()


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _text_value(value: Any) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        if not isinstance(value, dict | list):
            return text
    if text and all(c in _TEXT_SAFE for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)
