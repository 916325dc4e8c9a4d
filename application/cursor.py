"""Opaque, integrity-protected list cursors, shared by every store and listing.

A cursor names the last item a page covered (its created_at and id: a lesson or a job)
and the filters it was made for, signed with HMAC-SHA256 under a server secret, and is
bound to the owner whose listing it continues. A tampered cursor, one signed with
another secret, or one replayed with other filters is refused (``invalid_cursor``); one
made for another owner is refused with its own code (``foreign_cursor``), and names no
owner (a digest).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from application.errors import ForeignCursorError, InvalidCursorError
from application.records import LessonQuery

_MAX_CURSOR_LENGTH = 512


@dataclass(frozen=True, slots=True)
class Position:
    """Where a listing stopped: after this (created_at, lesson_id), newest first."""

    created_at: str
    lesson_id: str


class CursorCodec:
    """Signs and checks cursors with a server secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the cursor secret must be at least 16 bytes")
        self._secret = secret

    def encode(self, position: Position, query: LessonQuery, owner: str) -> str:
        """A cursor resuming ``owner``'s lesson ``query`` after ``position``."""
        return self.seal(position, query.filters(), owner)

    def decode(self, cursor: str, query: LessonQuery, owner: str) -> Position:
        """The position in a cursor made by this server for this query's filters and owner."""
        return self.open(cursor, query.filters(), owner)

    def seal(self, position: Position, filters: Mapping[str, str | None], owner: str) -> str:
        """A cursor resuming ``owner``'s listing (lessons, jobs) with ``filters``."""
        payload = json.dumps(
            {
                "at": position.created_at,
                "id": position.lesson_id,
                "f": _filters_digest(filters),
                "o": self._owner_digest(owner),
            },
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def open(self, cursor: str, filters: Mapping[str, str | None], owner: str) -> Position:
        """The position in a cursor ``seal`` made for these ``filters`` and this ``owner``."""
        if len(cursor) > _MAX_CURSOR_LENGTH or cursor.count(".") != 1:
            raise InvalidCursorError("malformed cursor")
        body, signature = cursor.split(".")
        try:
            payload = _unb64(body)
            valid = hmac.compare_digest(_unb64(signature), self._sign(payload))
        except ValueError:
            raise InvalidCursorError("malformed cursor") from None
        if not valid:
            raise InvalidCursorError("the cursor was not issued by this server")
        data = json.loads(payload)
        if data.get("o") != self._owner_digest(owner):
            raise ForeignCursorError("the cursor belongs to another caller's listing")
        if data.get("f") != _filters_digest(filters):
            raise InvalidCursorError("the cursor belongs to a listing with other filters")
        return Position(str(data["at"]), str(data["id"]))

    def _owner_digest(self, owner: str) -> str:
        # Keyed, so a cursor tells nobody whose listing it continues.
        return hmac.new(self._secret, b"owner:" + owner.encode(), hashlib.sha256).hexdigest()[:16]

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()


def _filters_digest(filters: Mapping[str, str | None]) -> str:
    canonical = json.dumps(dict(filters), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64") from exc
