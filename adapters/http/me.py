"""``/v1/me``: who the caller is, what DGS holds for it, its export and its erasure.

``GET /v1/me`` adds to the token's claims the caller's lesson count, its generations this
UTC month against its quota (``DGS_MONTHLY_QUOTA``) and the rate limits a generation
would meet now. ``GET /v1/me/export`` pages through everything held for the caller
(lessons, deleted lessons not purged yet, jobs, usage and repair records);
``DELETE /v1/me?confirm=true`` erases it all (idempotent: a repeat erases nothing more).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import HttpMethod, Request, Response, delete, get, route
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from msgspec import Struct, structs

from adapters.http import job_views, presenters, wire
from adapters.http.authn import principal_of
from adapters.http.problems import HttpProblem, request_id_of
from adapters.http.responses import problems
from application.ports import account
from application.principal import AuthMethod
from application.records import DEFAULT_LIMIT, MAX_LIMIT
from application.use_cases.account import DescribeAccount, EraseAccount, ExportAccount
from application.use_cases.lessons import view_of
from application.use_cases.rate_limits import MonthlyUsage


class Usage(Struct, kw_only=True):
    """Generations this UTC month against the caller's monthly quota."""

    month: str  # YYYY-MM (UTC)
    generations: int  # generations that ran (replays and cache hits are free)
    quota: int
    remaining: int
    resets_at: datetime  # the start of the next UTC month


class RateLimit(Struct, kw_only=True):
    """One rate limit as a generation would meet it now (the RateLimit headers' values)."""

    policy: str  # "client" (the caller's bucket) or "daily" (the service's budget)
    quota: int
    window_seconds: int
    remaining: int
    resets_after_seconds: int


class Me(Struct, kw_only=True):
    """The caller; a claim the token did not carry is ``null``.

    An access token (the default) carries no email or name; an id token carries those its
    app client may read. The dev key has no user behind it: its claims are ``null``.
    """

    sub: str | None
    email: str | None
    name: str | None
    identity_provider: str | None  # e.g. "Google"; "COGNITO" for a user of the pool itself
    authenticated_by: AuthMethod  # "access-token", "id-token" or "dev-key"
    lessons: int  # lessons the caller holds (deleted ones not counted)
    usage: Usage
    rate_limits: list[RateLimit]


class DeletedLesson(wire.Lesson, kw_only=True):
    """A lesson the caller deleted, still held until ``purge_after`` (then purged)."""

    status: Literal["deleted"]
    purge_after: datetime


class Repair(Struct, kw_only=True):
    """A repair record of one of the caller's generations, as DGS keeps it.

    ``record`` holds the material, the model's invalid output, its errors, the repaired
    output and the request's constraints (a part too large to keep whole is cut and
    marked ``"truncated"``).
    """

    repair_id: str
    created_at: datetime
    outcome: str  # "valid" or "invalid": how the one repair ended
    record: dict[str, Any]


class Export(Struct, kw_only=True):
    """One page of everything DGS holds for the caller; follow ``next_cursor``.

    The pages hold the caller's lessons, then its deleted lessons not purged yet, then the
    repair records of its generations; a part that is empty on a page may fill later ones.
    """

    sub: str | None
    lessons: list[wire.Lesson]  # whole, in DGS's full form, newest first
    usage: Usage
    next_cursor: str | None
    jobs: list[wire.Job]  # on the first page: every job kept (jobs expire after 7 days)
    deleted_lessons: list[DeletedLesson]  # after the lessons, newest first
    repairs: list[Repair]  # last, newest first (kept for DGS_REPAIR_LOG_TTL_DAYS)


class Erased(Struct, kw_only=True):
    """What ``DELETE /v1/me`` removed (0 when nothing was left)."""

    erased_lessons: int


def _usage(usage: MonthlyUsage) -> Usage:
    return Usage(
        month=usage.month,
        generations=usage.generations,
        quota=usage.quota,
        remaining=usage.remaining,
        resets_at=usage.resets_at,
    )


@get("/v1/me", responses=problems(401, 503), summary="The caller")
async def me(
    request: Request[Any, Any, Any],
    account_of: NamedDependency[DescribeAccount],
    client: NamedDependency[str],
) -> Me:
    """The caller's identity, lessons, monthly usage and rate limits."""
    principal = principal_of(request.scope)
    account = await account_of(principal.owner, client)
    return Me(
        sub=principal.subject,
        email=principal.email,
        name=principal.name,
        identity_provider=principal.identity_provider,
        authenticated_by=principal.method,
        lessons=account.lessons,
        usage=_usage(account.usage),
        rate_limits=[
            RateLimit(
                policy=q.policy,
                quota=q.quota,
                window_seconds=round(q.window.total_seconds()),
                remaining=q.remaining,
                resets_after_seconds=round(q.resets_after.total_seconds()),
            )
            for q in account.limits
        ],
    )


@get("/v1/me/export", responses=problems(400, 401, 503), summary="Export the caller's data")
async def export(
    request: Request[Any, Any, Any],
    exporter: NamedDependency[ExportAccount],
    # Whole lessons: a page of the default size stays a few MB at most.
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
) -> Export:
    """Everything held for the caller: its lessons (whole) and usage, a page at a time."""
    principal = principal_of(request.scope)
    page = await exporter(principal.owner, cursor, limit)
    return Export(
        sub=principal.subject,
        lessons=[presenters.lesson(view_of(record), "full") for record in page.lessons],
        usage=_usage(page.usage),
        next_cursor=page.next_cursor,
        jobs=[job_views.job(job, request_id_of(request)) for job in page.jobs],
        deleted_lessons=[_deleted(held) for held in page.deleted],
        repairs=[
            Repair(
                repair_id=kept.repair_id,
                created_at=kept.created_at,
                outcome=kept.outcome,
                record=kept.document,
            )
            for kept in page.repairs
        ],
    )


def _deleted(held: account.DeletedLesson) -> DeletedLesson:
    lesson = presenters.lesson(view_of(held.record), "full")
    return DeletedLesson(**structs.asdict(lesson), status="deleted", purge_after=held.purge_after)


@delete(
    "/v1/me",
    status_code=200,
    responses=problems(400, 401, 503),
    summary="Erase the caller's data",
)
async def erase(
    eraser: NamedDependency[EraseAccount],
    owner: NamedDependency[str],
    client: NamedDependency[str],
    confirm: Annotated[
        bool, QueryParameter(description="must be true: the erasure cannot be undone")
    ] = False,
) -> Erased:
    """Delete every lesson, job, idempotency record, repair record and counter of the caller.

    Idempotent and resumable: a repeat (or a retry after a failure) erases what is left.
    ``confirm=true`` is required, so that no stray request erases an account.
    """
    if not confirm:
        raise HttpProblem(
            400, "confirmation_required", "DELETE /v1/me erases everything: add ?confirm=true"
        )
    erased = await eraser(owner, client)
    return Erased(erased_lessons=erased)


@route("/v1/me", http_method=[HttpMethod.OPTIONS], include_in_schema=False)
async def me_options() -> Response[None]:
    """Methods of /v1/me (Litestar's automatic answer lists only the first handler's)."""
    return Response(None, status_code=204, headers={"Allow": "GET, HEAD, DELETE, OPTIONS"})


# me_options comes first: registered after GET, it would clash with the automatic one.
ME_ROUTES = [me_options, me, export, erase]
