"""Generation as the API serves it: idempotency, rate limits and the cache around GenerateLesson.

Order matters. The request is checked first (a bad request costs nothing), then the
idempotency key is claimed (a replay returns the stored response: no token, no model
call), then a rate-limit token is taken per client and from the global daily budget,
then the cache is asked. Any failure after the claim releases it; nothing is stored
unless the lesson is valid, and with a key the lesson and the response are stored in
one step.

The generation's deadline starts before the claim, and the claim's lease is that deadline
plus the write margin (``application.deadline``): an attempt has answered, or failed with
504, before anyone can take its key over, so a finished lesson is never fenced out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from application.deadline import WRITE_MARGIN, Deadline, lease_for
from application.errors import ApplicationError
from application.ports.cache import Cache
from application.ports.idempotency import (
    Claimed,
    Completed,
    FingerprintMismatch,
    IdempotencyScope,
    IdempotencyStore,
    InProgress,
)
from application.ports.lessons import LessonRepository
from application.ports.rate_limit import BucketPolicy, RateLimiter
from application.ports.telemetry import GenerationReport
from application.records import GenerationMeta, LessonRecord
from application.responses import LessonFormat, generate_body
from application.use_cases.generate_lesson import GenerateLesson, GenerateRequest
from application.use_cases.rate_limits import GenerationQuotas, Quotas
from domain.generation import IntermediateDataModel

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
    cache_ttl: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class GuardedResult:
    """The response body (as stored for replays), whether it is a replay, and the limits."""

    body: str
    lesson_id: str
    replayed: bool
    quotas: Quotas = ()  # what is left of each limit after this request


class GuardedGeneration:
    """POST /v1/lessons/generate, in application terms."""

    def __init__(
        self,
        generate: GenerateLesson,
        lessons: LessonRepository,
        idempotency: IdempotencyStore,
        cache: Cache,
        rate_limiter: RateLimiter,
        policy: GuardPolicy,
    ) -> None:
        self._generate = generate
        self._lessons = lessons
        self._idempotency = idempotency
        self._cache = cache
        self._policy = policy
        self._quotas = GenerationQuotas(rate_limiter, policy.per_client, policy.daily_budget)

    async def __call__(
        self,
        request: GenerateRequest,
        client: str,
        fmt: LessonFormat = "shorthand",
        *,
        use_cache: bool = True,
    ) -> GuardedResult:
        """Serve one generate request from ``client`` (an address or identity)."""
        self._generate.check(request)
        deadline = self._generate.start_deadline()  # before the claim: the lease outlasts it
        scope = None
        owner = None
        if request.idempotency_key is not None:
            scope = IdempotencyScope("default", GENERATE_ROUTE, request.idempotency_key)
            claim = await self._idempotency.claim(
                scope, fingerprint(request, fmt, use_cache), self.lease
            )
            if isinstance(claim, Completed):
                quotas = await self._quotas.peek(client)  # reported, not spent
                return GuardedResult(claim.response, claim.lesson_id, replayed=True, quotas=quotas)
            if isinstance(claim, InProgress):
                # The holder answers by its deadline: the lease's write margin is not a wait.
                raise IdempotencyInProgressError(
                    max(timedelta(0), claim.retry_after - WRITE_MARGIN)
                )
            if isinstance(claim, FingerprintMismatch):
                raise IdempotencyMismatchError(
                    "this idempotency key was used for a different request"
                )
            assert isinstance(claim, Claimed)
            owner = claim.owner
        try:
            quotas = await self._take_tokens(client)
            record, lesson = await self._lesson(request, use_cache, deadline)
            body = json.dumps(
                generate_body(record, lesson, fmt), ensure_ascii=False, separators=(",", ":")
            )
            if scope is not None and owner is not None:
                await self._idempotency.complete(scope, owner, record, body)
            else:
                await self._lessons.save(record)
        except BaseException:
            if scope is not None and owner is not None:
                await self._idempotency.release(scope, owner)
            raise
        return GuardedResult(body, record.lesson_id, replayed=False, quotas=quotas)

    @property
    def lease(self) -> timedelta:
        """How long an idempotency claim holds: the generation's deadline and its writes."""
        return lease_for(self._generate.deadline)

    async def _take_tokens(self, client: str) -> Quotas:
        """One of the client's generations and one of the day's (``RateLimitedError``)."""
        return await self._quotas.take(client)

    async def _lesson(
        self, request: GenerateRequest, use_cache: bool, deadline: Deadline
    ) -> tuple[LessonRecord, dict[str, Any]]:
        routes = [
            [route.provider, route.model] for route in self._generate.routes(request.constraints)
        ]
        topic = request.topic.strip().casefold()
        version = self._generate.prompt_version
        constraints = request.constraints
        # The same request (models and prompts included) reuses a lesson; a variant
        # (another length, mode or catalog version) of the same topic reuses the material.
        lesson_key = "lesson:" + _digest(
            topic, constraints.model_dump(), request.schema_version, version, routes
        )
        idm_key = "idm:" + _digest(
            topic, constraints.learner_level, constraints.language, version, routes[0]
        )
        if use_cache:
            cached = await self._cache.get(lesson_key)
            if cached is not None:
                # A new lesson from the cached one: new id and times, no model call. The
                # routes are part of the key, so the record's providers are the cached ones.
                lesson = json.loads(cached)
                meta = GenerationMeta(cache="lesson")
                record = self._generate.record_for(request, lesson, meta)
                self._generate.report(GenerationReport.made(record))
                return record, lesson
        cached_idm = await self._cache.get(idm_key) if use_cache else None
        idm = IntermediateDataModel.model_validate_json(cached_idm) if cached_idm else None
        generated = await self._generate.produce(request, idm=idm, deadline=deadline)
        lesson_json = json.dumps(generated.lesson, ensure_ascii=False)
        await self._cache.put(lesson_key, lesson_json, self._policy.cache_ttl)
        await self._cache.put(idm_key, generated.idm.model_dump_json(), self._policy.cache_ttl)
        return generated.record, generated.lesson


def fingerprint(request: GenerateRequest, fmt: str, use_cache: bool) -> str:
    """What makes two requests "the same" for idempotency."""
    return _digest(
        request.topic.strip(),
        request.constraints.model_dump(),
        request.schema_version,
        fmt,
        use_cache,
    )


def _digest(*parts: Any) -> str:
    canonical = json.dumps(
        parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
