"""The limits on generation: per client, per UTC day for all, and per owner and month.

The client's token bucket and the day's budget are taken together before any model
call, and both are reported to the client (each as a quota policy with what is left of
it), whether the request passes or not.
The owner's monthly quota (``MonthlyQuota``) is spent only by a generation that runs: a
replay, a cache hit or a refused request costs none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.errors import ApplicationError
from application.ports.clock import Clock
from application.ports.rate_limit import (
    BucketPolicy,
    DailyCount,
    RateLimiter,
    TakeResult,
    month_identity,
    next_utc_month,
    utc_day,
    utc_month,
)

GLOBAL_BUDGET_IDENTITY = "global:daily-generations"
CLIENT_POLICY = "client"
DAILY_POLICY = "daily"
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class QuotaState:
    """One quota as a client sees it: ``quota`` per ``window``, and what is left of it.

    No more than ``remaining`` requests can pass before ``resets_after`` has elapsed.
    """

    policy: str
    quota: int
    window: timedelta
    remaining: int
    resets_after: timedelta


Quotas = tuple[QuotaState, ...]


class RateLimitedError(ApplicationError):
    """The client, or the service's daily budget, is out of generations for now."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: timedelta, quotas: Quotas = ()) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.quotas = quotas


class QuotaExceededError(RateLimitedError):
    """The caller used up its generations of the month; ``resets_at`` starts the next."""

    code = "quota_exceeded"

    def __init__(self, quota: int, resets_at: datetime, retry_after: timedelta) -> None:
        super().__init__(
            f"the monthly quota of {quota} generations is used up; it resets at "
            f"{resets_at.isoformat().replace('+00:00', 'Z')}",
            retry_after,
        )
        self.resets_at = resets_at


@dataclass(frozen=True, slots=True)
class MonthlyUsage:
    """An owner's generations this UTC month against its quota."""

    month: str  # YYYY-MM
    generations: int
    quota: int
    resets_at: datetime  # the start of the next UTC month

    @property
    def remaining(self) -> int:
        """Generations left this month."""
        return max(0, self.quota - self.generations)


class MonthlyQuota:
    """Each owner's generations per UTC month: counted atomically, refused past the quota."""

    def __init__(self, limiter: RateLimiter, clock: Clock, quota: int) -> None:
        self._limiter = limiter
        self._clock = clock
        self._quota = quota

    async def spend(self, owner: str) -> None:
        """Count one generation of the owner's month; ``QuotaExceededError`` if used up."""
        counted = await self._limiter.count_this_month(owner, self._quota)
        if not counted.allowed:
            resets_at = self._clock.now() + counted.resets_after
            raise QuotaExceededError(self._quota, resets_at, counted.resets_after)

    async def refund(self, owner: str, at: datetime) -> None:
        """Give back the generation counted ``at`` (one refused before any model call)."""
        await self._limiter.refund_day(month_identity(owner), utc_month(at))

    async def forget(self, owner: str) -> None:
        """Drop the owner's counters (its data is erased)."""
        await self._limiter.forget(owner)

    async def usage(self, owner: str) -> MonthlyUsage:
        """The owner's month so far, spending nothing."""
        now = self._clock.now()
        counted = await self._limiter.counted_this_month(owner)
        return MonthlyUsage(utc_month(now), counted.used, self._quota, next_utc_month(now))


class GenerationQuotas:
    """Takes a generation from the client's bucket and the day's budget, or says why not."""

    def __init__(self, limiter: RateLimiter, per_client: BucketPolicy, daily_budget: int) -> None:
        self._limiter = limiter
        self._per_client = per_client
        self._daily_budget = daily_budget

    async def take(self, client: str) -> Quotas:
        """Spend one generation of ``client``'s and of today's; ``RateLimitedError`` if spent.

        The client's bucket is asked first, so a client out of tokens never spends the
        day's budget of everyone else.
        """
        taken = await self._limiter.take(_identity(client), self._per_client)
        if not taken.allowed:
            day = await self._limiter.counted_today(GLOBAL_BUDGET_IDENTITY, self._daily_budget)
            quotas = self._states(taken, day)
            raise RateLimitedError(
                "too many generations from this client", _retry_after(quotas), quotas
            )
        day = await self._limiter.count_today(GLOBAL_BUDGET_IDENTITY, self._daily_budget)
        quotas = self._states(taken, day)
        if not day.allowed:
            raise RateLimitedError(
                "the service's daily generation budget is spent", _retry_after(quotas), quotas
            )
        return quotas

    async def refund(self, client: str, charged_at: datetime) -> None:
        """Give back a generation taken at ``charged_at`` (refused before any model call)."""
        await self._limiter.refund(_identity(client), self._per_client)
        await self._limiter.refund_day(GLOBAL_BUDGET_IDENTITY, utc_day(charged_at))

    async def peek(self, client: str) -> Quotas:
        """The same report, spending nothing (a replay costs nothing)."""
        taken = await self._limiter.peek(_identity(client), self._per_client)
        day = await self._limiter.counted_today(GLOBAL_BUDGET_IDENTITY, self._daily_budget)
        return self._states(taken, day)

    async def forget(self, client: str) -> None:
        """Drop the client's bucket (its owner's data is erased)."""
        await self._limiter.forget(_identity(client))

    def _states(self, taken: TakeResult, day: DailyCount) -> Quotas:
        per_client = self._per_client
        window = (
            timedelta(seconds=per_client.capacity / per_client.refill_per_second)
            if per_client.refill_per_second > 0
            else DAY
        )
        return (
            QuotaState(
                CLIENT_POLICY, per_client.capacity, window, taken.remaining, taken.next_token
            ),
            QuotaState(
                DAILY_POLICY,
                self._daily_budget,
                DAY,
                max(0, self._daily_budget - day.used),
                day.resets_after,
            ),
        )


def _identity(client: str) -> str:
    return f"client:{client}"


def _retry_after(quotas: Quotas) -> timedelta:
    """Not before every exhausted quota has reset (RateLimit draft-11, section 6)."""
    return max((q.resets_after for q in quotas if q.remaining == 0), default=timedelta(0))
