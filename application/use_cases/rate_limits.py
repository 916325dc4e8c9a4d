"""The limits on generation: a token bucket per client and a budget per UTC day for all.

Both are taken together before any model call, and both are reported to the client
(each as a quota policy with what is left of it), whether the request passes or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.errors import ApplicationError
from application.ports.rate_limit import (
    BucketPolicy,
    DailyCount,
    RateLimiter,
    TakeResult,
    utc_day,
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
