"""The rate limiter port: a token bucket per identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class BucketPolicy:
    """A bucket holding ``capacity`` tokens, refilled at ``refill_per_second``."""

    capacity: int
    refill_per_second: float


@dataclass(frozen=True, slots=True)
class TakeResult:
    """Whether a token was taken; if not, how long until one is available."""

    allowed: bool
    retry_after: timedelta = timedelta(0)


@runtime_checkable
class RateLimiter(Protocol):
    """Token buckets, exact under concurrency (conditional updates)."""

    async def take(self, identity: str, policy: BucketPolicy) -> TakeResult:
        """Take one token from the identity's bucket if there is one."""
        ...


@dataclass(frozen=True, slots=True)
class Bucket:
    """A bucket's state: tokens left as of ``updated_at`` (seconds since the epoch)."""

    tokens: float
    updated_at: float


def take_from(bucket: Bucket | None, policy: BucketPolicy, now: float) -> tuple[Bucket, TakeResult]:
    """Refill a bucket to ``now`` and take a token if one is there (pure: stores share it)."""
    if bucket is None:
        tokens = float(policy.capacity)
    else:
        elapsed = max(0.0, now - bucket.updated_at)
        tokens = min(float(policy.capacity), bucket.tokens + elapsed * policy.refill_per_second)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, now), TakeResult(True)
    missing = 1.0 - tokens
    wait = missing / policy.refill_per_second if policy.refill_per_second > 0 else 86400.0
    return Bucket(tokens, now), TakeResult(False, timedelta(seconds=wait))


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
