"""The rate limiter port: a token bucket per identity, and a counter per identity and UTC day."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

NEVER = timedelta(days=1)  # what a bucket that never refills says to wait
_FUZZ = 1e-9  # float refills land a hair under whole tokens


@dataclass(frozen=True, slots=True)
class BucketPolicy:
    """A bucket holding ``capacity`` tokens, refilled at ``refill_per_second``."""

    capacity: int
    refill_per_second: float


@dataclass(frozen=True, slots=True)
class TakeResult:
    """Whether a token was taken, what is left, and when the next whole token comes.

    ``remaining`` whole tokens can be taken now, and no more until ``next_token`` has
    passed; a refused take waits ``retry_after`` (the same time, for one token).
    """

    allowed: bool
    retry_after: timedelta = timedelta(0)
    remaining: int = 0
    next_token: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class DailyCount:
    """An identity's count for the current UTC calendar day, against its budget."""

    allowed: bool  # whether this call was counted (always True for a read)
    used: int  # counted today, this call included; when refused, at least ``budget``
    resets_after: timedelta  # until the next UTC midnight, when the count starts at 0


@runtime_checkable
class RateLimiter(Protocol):
    """Token buckets and day counters, exact under concurrency (atomic updates)."""

    async def take(self, identity: str, policy: BucketPolicy) -> TakeResult:
        """Take one token from the identity's bucket if there is one."""
        ...

    async def peek(self, identity: str, policy: BucketPolicy) -> TakeResult:
        """The bucket as ``take`` would find it, taking nothing (``allowed``: one is there)."""
        ...

    async def count_today(self, identity: str, budget: int) -> DailyCount:
        """Count one for the current UTC day if fewer than ``budget`` were; atomically."""
        ...

    async def counted_today(self, identity: str, budget: int) -> DailyCount:
        """The current UTC day's count, counting nothing."""
        ...

    async def count_this_month(self, identity: str, budget: int) -> DailyCount:
        """Count one for the current UTC month if fewer than ``budget`` were; atomically.

        The result's ``resets_after`` runs to the start of the next UTC month.
        """
        ...

    async def counted_this_month(self, identity: str) -> DailyCount:
        """The current UTC month's count, counting nothing."""
        ...

    async def forget(self, identity: str) -> None:
        """Drop the identity's bucket and current day and month counts (its data erased)."""
        ...

    async def refund(self, identity: str, policy: BucketPolicy) -> None:
        """Put back one token taken from the bucket (never above capacity); atomically."""
        ...

    async def refund_day(self, identity: str, day: str) -> None:
        """Uncount one from ``day``'s count (``utc_day``; never below 0); atomically."""
        ...


@dataclass(frozen=True, slots=True)
class Bucket:
    """A bucket's state: tokens left as of ``updated_at`` (seconds since the epoch)."""

    tokens: float
    updated_at: float


def take_from(bucket: Bucket | None, policy: BucketPolicy, now: float) -> tuple[Bucket, TakeResult]:
    """Refill a bucket to ``now`` and take a token if one is there (pure: stores share it)."""
    tokens = _refilled(bucket, policy, now)
    if tokens + _FUZZ >= 1.0:
        left = max(0.0, tokens - 1.0)
        return Bucket(left, now), _state(left, policy, allowed=True)
    return Bucket(tokens, now), _state(tokens, policy, allowed=False)


def refunded(bucket: Bucket, policy: BucketPolicy, now: float) -> Bucket:
    """A bucket refilled to ``now`` with one token put back, never above capacity."""
    return Bucket(min(float(policy.capacity), _refilled(bucket, policy, now) + 1.0), now)


def peek_at(bucket: Bucket | None, policy: BucketPolicy, now: float) -> TakeResult:
    """What ``take_from`` would find at ``now``, taking nothing."""
    tokens = _refilled(bucket, policy, now)
    return _state(tokens, policy, allowed=tokens + _FUZZ >= 1.0)


def full_at(bucket: Bucket, policy: BucketPolicy) -> float | None:
    """When an untouched bucket is full again (seconds since the epoch); None if never.

    From then on the bucket reads exactly as no bucket at all, so a store may drop it.
    """
    missing = policy.capacity - bucket.tokens
    if missing <= 0:
        return bucket.updated_at
    if policy.refill_per_second <= 0:
        return None
    return bucket.updated_at + missing / policy.refill_per_second


def _refilled(bucket: Bucket | None, policy: BucketPolicy, now: float) -> float:
    if bucket is None:
        return float(policy.capacity)
    elapsed = max(0.0, now - bucket.updated_at)
    return min(float(policy.capacity), bucket.tokens + elapsed * policy.refill_per_second)


def _state(tokens: float, policy: BucketPolicy, *, allowed: bool) -> TakeResult:
    whole = math.floor(tokens + _FUZZ)
    if policy.refill_per_second <= 0:
        next_token = NEVER
    else:
        # A full bucket gains nothing until a take; then the next token is one interval away.
        missing = 1.0 if whole >= policy.capacity else max(0.0, whole + 1.0 - tokens)
        next_token = timedelta(seconds=missing / policy.refill_per_second)
    return TakeResult(
        allowed=allowed,
        retry_after=timedelta(0) if allowed else next_token,
        remaining=whole,
        next_token=next_token,
    )


def utc_day(now: datetime) -> str:
    """The UTC calendar day of ``now``, as ``YYYY-MM-DD`` (text order is day order)."""
    return now.astimezone(UTC).date().isoformat()


def utc_month(now: datetime) -> str:
    """The UTC calendar month of ``now``, as ``YYYY-MM`` (text order is month order)."""
    return now.astimezone(UTC).strftime("%Y-%m")


def next_utc_month(now: datetime) -> datetime:
    """The start of the UTC month after ``now``'s."""
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def month_identity(identity: str) -> str:
    """The counter of an identity's month, kept apart from its day counters.

    Stores prune an identity's earlier periods by text order, and "2026-11" sorts before
    "2026-11-26".
    """
    return f"month:{identity}"


def next_utc_midnight(now: datetime) -> datetime:
    """The start of the UTC day after ``now``'s."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)
