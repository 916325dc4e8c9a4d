"""How a job's event stream reads the store (no framework: the container builds it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class JobEvents:
    """How often the stream reads the job, and how often an idle stream sends a comment."""

    poll_seconds: float = 0.25
    heartbeat_seconds: float = 15.0
