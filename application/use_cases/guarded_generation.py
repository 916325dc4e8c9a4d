"""Generation as it is served: idempotency, rate limits and the cache around GenerateLesson.

The API (``POST /v1/lessons/generate``) and ``dgs generate`` both run this use case.
Order matters. The request is prepared first (checked, routed, its deadline started: a
bad request costs nothing), then the idempotency key is claimed (a replay returns the
stored response: no token, no model call), then a rate-limit token is taken per client
and from the global daily budget while the cache is asked, then the generation runs as
a job inline (``RunJob.inline``: the same steps, progress, cancel and errors as a job
started with ``POST /v1/jobs``; the lesson's id is the job's). The response body is
serialised once; it is what is returned and, with a key, what is stored for replays, in
one step with the lesson. Any failure after the claim releases it; nothing is stored
unless the lesson is valid.

The deadline starts before the claim, and the claim's lease is that deadline plus the
write margin (``application.deadline``): an attempt has answered, or failed with 504,
before anyone can take its key over, so a finished lesson is never fenced out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from application.deadline import WRITE_MARGIN, lease_for
from application.errors import ApplicationError
from application.ports.cache import Cache
from application.ports.generation import Progress
from application.ports.idempotency import (
    Claimed,
    Completed,
    FingerprintMismatch,
    IdempotencyScope,
    IdempotencyStore,
    InProgress,
)
from application.ports.rate_limit import BucketPolicy, RateLimiter
from application.records import LessonRecord
from application.responses import LessonFormat, generate_body_json
from application.use_cases.generate_lesson import GenerateLesson
from application.use_cases.generation_request import GenerateRequest, PreparedRequest
from application.use_cases.generation_request import fingerprint as fingerprint
from application.use_cases.jobs.run_job import RunJob
from application.use_cases.lesson_draft import off_loop
from application.use_cases.rate_limits import GenerationQuotas, MonthlyQuota, Quotas

GENERATE_ROUTE = "POST /v1/lessons/generate"


class IdempotencyInProgressError(ApplicationError):
    """Another request with the same key is being served."""

    code = "idempotency_in_progress"

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__("a request with this idempotency key is in progress")
        self.retry_after = retry_after


class IdempotencyMismatchError(ApplicationError):
    """The key was used for a different request."""

    code = "idempotency_key_reused"


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """Limits and lifetimes."""

    per_client: BucketPolicy = field(default_factory=lambda: BucketPolicy(10, 10 / 3600))
    daily_budget: int = 500  # generations per UTC calendar day, all clients together


@dataclass(frozen=True, slots=True)
class GuardedResult:
    """The response body (as stored for replays), whether it is a replay, and the limits."""

    body: str
    lesson_id: str
    replayed: bool
    quotas: Quotas = ()  # what is left of each limit after this request
    record: LessonRecord | None = None  # the lesson stored (None on a replay)


@dataclass(frozen=True, slots=True)
class _Held:
    """An idempotency key this attempt holds until it completes or releases it."""

    scope: IdempotencyScope
    owner: str


class GuardedGeneration:
    """POST /v1/lessons/generate, in application terms."""

    def __init__(
        self,
        generate: GenerateLesson,
        run: RunJob,
        idempotency: IdempotencyStore,
        cache: Cache,
        rate_limiter: RateLimiter,
        policy: GuardPolicy,
        monthly: MonthlyQuota | None = None,
    ) -> None:
        self._generate = generate
        self._run = run
        self._monthly = monthly
        self._idempotency = idempotency
        self._cache = cache
        self._policy = policy
        self._quotas = GenerationQuotas(rate_limiter, policy.per_client, policy.daily_budget)

    async def __call__(
        self,
        request: GenerateRequest,
        client: str | None,
        fmt: LessonFormat = "shorthand",
        *,
        use_cache: bool = True,
        progress: Progress | None = None,
    ) -> GuardedResult:
        """Serve one generate request from ``client`` (an address or identity).

        ``client`` None is the local operator (``dgs generate``): no quota applies.
        """
        prepared = self._generate.prepare(request)  # before the claim: the lease outlasts it
        held = None
        if request.idempotency_key is not None:
            claimed = await self._claim(prepared, fmt, use_cache)
            if isinstance(claimed, Completed):
                quotas = await self._quotas.peek(client) if client is not None else ()
                return GuardedResult(claimed.response, claimed.lesson_id, True, quotas)
            held = claimed
        answer: list[tuple[LessonRecord, str]] = []  # what ``keep`` stored

        async def keep(record: LessonRecord, lesson: dict[str, Any]) -> None:
            body = await off_loop(lesson, generate_body_json, record, lesson, fmt)
            await self._generate.store(record, progress, save=self._keeper(held, body))
            answer.append((record, body))

        try:
            # The token is taken whether or not the cache has the lesson: both at once.
            quotas, cached = await asyncio.gather(
                self._take(client), self._cached(prepared.lesson_key, use_cache)
            )
            if cached is None and client is not None and self._monthly is not None:
                # Only a generation that runs spends the owner's month (not a cache hit).
                await self._monthly.spend(request.owner)
            await self._run.inline(
                prepared, keep, fmt=fmt, use_cache=use_cache, cached=cached, progress=progress
            )
        except BaseException:
            if held is not None:
                await self._idempotency.release(held.scope, held.owner)
            raise
        record, body = answer[0]
        return GuardedResult(body, record.lesson_id, False, quotas, record)

    def _keeper(
        self, held: _Held | None, body: str
    ) -> Callable[[LessonRecord], Awaitable[None]] | None:
        """With a key, the lesson is stored with the key's response, in one step."""
        if held is None:
            return None

        async def complete(record: LessonRecord) -> None:
            await self._idempotency.complete(held.scope, held.owner, record, body)

        return complete

    async def _claim(
        self, prepared: PreparedRequest, fmt: LessonFormat, use_cache: bool
    ) -> Completed | _Held:
        """Claim the request's key: a replay, or the key held (else the error to answer)."""
        request = prepared.request
        assert request.idempotency_key is not None
        scope = IdempotencyScope(request.owner, GENERATE_ROUTE, request.idempotency_key)
        claim = await self._idempotency.claim(
            scope, fingerprint(request, fmt, use_cache), lease_for(prepared.deadline.budget)
        )
        if isinstance(claim, Completed):
            return claim
        if isinstance(claim, InProgress):
            # The holder answers by its deadline: the lease's write margin is not a wait.
            raise IdempotencyInProgressError(max(timedelta(0), claim.retry_after - WRITE_MARGIN))
        if isinstance(claim, FingerprintMismatch):
            raise IdempotencyMismatchError("this idempotency key was used for a different request")
        assert isinstance(claim, Claimed)
        return _Held(scope, claim.owner)

    async def _take(self, client: str | None) -> Quotas:
        """A generation of the client's and of the day's (the local operator takes none)."""
        return await self._quotas.take(client) if client is not None else ()

    async def _cached(self, key: str, use_cache: bool) -> str | None:
        return await self._cache.get(key) if use_cache else None
