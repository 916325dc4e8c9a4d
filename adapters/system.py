"""The real clock and id generator."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        """Now."""
        return datetime.now(UTC)


class RandomIds:
    """UUID4 lesson ids and 128-bit random tokens."""

    def lesson_id(self) -> str:
        """A new lesson id."""
        return str(uuid.uuid4())

    def token(self) -> str:
        """A new owner token."""
        return secrets.token_urlsafe(16)
