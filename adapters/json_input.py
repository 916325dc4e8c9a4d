"""The one strict JSON reader for everything DGS parses: request bodies and model output.

Strict means: UTF-8 only, no ``NaN``/``Infinity`` (not JSON, RFC 8259 section 6), no lone
surrogates, no trailing data, and at most ``MAX_JSON_DEPTH`` levels of nesting. msgspec
refuses the first four itself; the depth is checked on the decoded value without
recursion (msgspec's own limit is ~1,000 levels, far past what anything downstream
should be asked to walk).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from domain.limits import MAX_JSON_DEPTH, depth_exceeds

JsonProblem = Literal["not_utf8", "malformed", "too_deep"]


class JsonInputError(ValueError):
    """The text is not JSON DGS accepts; ``reason`` says why in a stable word."""

    def __init__(self, reason: JsonProblem, message: str) -> None:
        super().__init__(message)
        self.reason: JsonProblem = reason


def decode_json(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode ``data`` strictly; raise ``JsonInputError`` for anything else."""
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:  # a str holding lone surrogates
            raise JsonInputError("not_utf8", "the text is not valid UTF-8") from None
    try:
        value = msgspec.json.decode(data)
    except UnicodeDecodeError:
        raise JsonInputError("not_utf8", "the body is not valid UTF-8") from None
    except RecursionError:
        raise JsonInputError("too_deep", _too_deep(max_depth)) from None
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        # ValidationError: a number out of range (1e999), which would decode to infinity.
        raise JsonInputError("malformed", f"not valid JSON: {exc}") from None
    if depth_exceeds(value, max_depth):
        raise JsonInputError("too_deep", _too_deep(max_depth))
    return value


def _too_deep(limit: int) -> str:
    return f"JSON nests deeper than {limit} levels"
