"""The /v1 lesson routes: generate, get, list, patch, delete, validate."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from litestar import HttpMethod, MediaType, Request, Response, delete, get, patch, post, route
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter

from adapters.http import presenters, wire
from adapters.http.problems import HttpProblem
from adapters.http.rate_limit_headers import RateLimitedOperation, rate_limit_headers
from adapters.http.responses import problems
from application.errors import PreconditionFailedError
from application.principal import DEV_TENANT
from application.records import DEFAULT_LIMIT, MAX_LIMIT, LessonQuery
from application.use_cases.generate_lesson import GenerateRequest
from application.use_cases.guarded_generation import GuardedGeneration
from application.use_cases.lessons import (
    DeleteLesson,
    GetLesson,
    LessonPatch,
    ListLessons,
    PatchLesson,
    view_of,
)
from domain.generation import LessonConstraints
from domain.validation.document import validate_lesson
from domain.values.catalog_version import DEFAULT_CATALOG_VERSION, CatalogVersion
from domain.values.lines import TAG

Format = Literal["shorthand", "full"]
_VERSION = re.compile(r"[0-9]{1,18}")
LessonId = Annotated[uuid.UUID, PathParameter(description="the lesson's id (a UUID)")]
FormatQuery = Annotated[
    Format,
    QueryParameter(
        name="format",
        description=(
            "shorthand (default): the compact form DLE renders. full: DGS's canonical full "
            "form (named fields), for tooling and models; DLE does not render it"
        ),
    ),
]
# Shared by the generate and job-start routes (the same request, now or as a job).
CacheQuery = Annotated[bool, QueryParameter(name="cache", description="false: skip the cache")]
IdempotencyHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        max_length=wire.IDEMPOTENCY_KEY_MAX_LENGTH,
        pattern=wire.IDEMPOTENCY_KEY_PATTERN,
        required=False,
    ),
]


async def require_json(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of the routes with a body: it must be JSON (checked after routing, before parsing)."""
    media = connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise HttpProblem(415, "unsupported_media_type", "send the body as application/json")


@post(
    "/v1/lessons/generate",
    status_code=201,
    request_max_body_size=8 * 1024,
    guards=[require_json],
    responses={
        # The body is sent as the use case serialised it (bytes): its schema is declared here.
        201: ResponseSpec(wire.Generated, description="Document created, URL follows"),
        **problems(400, 401, 409, 413, 415, 422, 429, 502, 503, 504),
    },
    operation_class=RateLimitedOperation,
    summary="Generate a lesson",
)
async def generate(
    data: JSONBody[wire.GenerateBody],
    generation: NamedDependency[GuardedGeneration],
    client: NamedDependency[str],
    owner: NamedDependency[str],
    format: FormatQuery = "shorthand",
    cache: CacheQuery = True,
    idempotency_header: IdempotencyHeader = None,
) -> Response[bytes]:
    """Topic in, stored lesson out; the same idempotency key replays the same response.

    The generation runs as a job held by this request (its id is the lesson's): listed
    by `GET /v1/jobs` while it runs, and canceled by `POST /v1/jobs/{id}/cancel`, which
    makes this request answer 409 `generation_canceled`.
    """
    result = await generation(
        generate_request(data, idempotency_header, owner=owner), client, format, use_cache=cache
    )
    headers = {"Location": f"/v1/lessons/{result.lesson_id}", **rate_limit_headers(result.quotas)}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    # The body was serialised once, by the use case: sent as is (a replay sends it again).
    return Response(
        result.body.encode(), status_code=201, headers=headers, media_type=MediaType.JSON
    )


def generate_request(
    data: wire.GenerateBody, idempotency_header: str | None = None, *, owner: str = DEV_TENANT
) -> GenerateRequest:
    """The use-case request of a generate body (the API's names to the domain's), the owner's.

    An estimate has no owner: it stores nothing, so the default partition serves.
    """
    if data.idempotency_key and idempotency_header and data.idempotency_key != idempotency_header:
        raise HttpProblem(
            400, "idempotency_key_conflict", "the body and the Idempotency-Key header disagree"
        )
    constraints = data.constraints or wire.Constraints()
    fields = {
        "learner_level": constraints.learnerLevel,
        "language": constraints.language,
        "length": constraints.length,
        "mode": data.mode,
    }
    return GenerateRequest(
        topic=data.topic,
        constraints=LessonConstraints(**{k: v for k, v in fields.items() if v is not None}),
        schema_version=data.schema_version or DEFAULT_CATALOG_VERSION,
        idempotency_key=data.idempotency_key or idempotency_header,
        owner=owner,
        prompt=data.prompt,
    )


@get(
    "/v1/lessons/{lesson_id:str}",
    responses=problems(400, 401, 404, 422, 503),
    summary="Get a lesson",
)
async def get_lesson(
    lesson_id: LessonId,
    getter: NamedDependency[GetLesson],
    owner: NamedDependency[str],
    format: FormatQuery = "shorthand",
    schema_version: Annotated[CatalogVersion | None, QueryParameter(name="schema_version")] = None,
) -> Response[wire.Lesson]:
    """The lesson with its metadata and ETag, in its own or another catalog version."""
    view = await getter(owner, str(lesson_id), schema_version)
    return Response(presenters.lesson(view, format), headers={"ETag": presenters.etag(view.record)})


@get("/v1/lessons", responses=problems(400, 401, 503), summary="List lessons")
async def list_lessons(
    lister: NamedDependency[ListLessons],
    owner: NamedDependency[str],
    tag: Annotated[str | None, QueryParameter(max_length=TAG.max_length)] = None,
    q: Annotated[str | None, QueryParameter(max_length=200)] = None,
    created_from: Annotated[
        str | None, QueryParameter(name="from", format="date-time", max_length=40)
    ] = None,
    created_to: Annotated[
        str | None, QueryParameter(name="to", format="date-time", max_length=40)
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
) -> wire.SummaryPage:
    """Summaries, newest first; follow ``next_cursor`` for the next page."""
    query = LessonQuery(
        tag=tag,
        q=q,
        created_from=_moment("from", created_from),
        created_to=_moment("to", created_to),
        limit=limit,
        cursor=cursor,
    )
    page = await lister(owner, query)
    return wire.SummaryPage(
        items=[presenters.summary(s) for s in page.items], next_cursor=page.next_cursor
    )


def _moment(name: str, text: str | None) -> datetime | None:
    """An ISO 8601 date-time, strictly (no epoch numbers); without a zone it is UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise HttpProblem(
            400, "invalid_parameter", f"{name} must be an ISO 8601 date-time"
        ) from None
    if "T" not in text.upper():
        raise HttpProblem(400, "invalid_parameter", f"{name} must be a date-time, not a date")
    try:  # in UTC here: 0001-01-01T00:00+23:59 is a valid text of no representable instant
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        raise HttpProblem(
            400, "invalid_parameter", f"{name} is out of the representable range"
        ) from None


@patch(
    "/v1/lessons/{lesson_id:str}",
    request_max_body_size=8 * 1024,
    guards=[require_json],
    responses=problems(400, 401, 404, 409, 412, 413, 415, 422, 503),
    summary="Retag or rename a lesson",
)
async def patch_lesson(
    lesson_id: LessonId,
    data: JSONBody[wire.PatchBody],
    patcher: NamedDependency[PatchLesson],
    owner: NamedDependency[str],
    if_match: Annotated[
        str | None, HeaderParameter(name="If-Match", max_length=200, required=False)
    ] = None,
    format: FormatQuery = "shorthand",
) -> Response[wire.Lesson]:
    """Add and remove tags, change the title (record and document); If-Match guards it."""
    checked_id = str(lesson_id)
    expected = _expected_version(if_match, checked_id)
    change = LessonPatch(tuple(data.tags_add or ()), tuple(data.tags_remove or ()), data.title)
    record = await patcher(owner, checked_id, change, expected)
    view = view_of(record)  # the updated record is the answer: no second read
    return Response(presenters.lesson(view, format), headers={"ETag": presenters.etag(view.record)})


@delete(
    "/v1/lessons/{lesson_id:str}",
    status_code=204,
    responses=problems(400, 401, 404, 412, 503),
    summary="Delete a lesson",
)
async def delete_lesson(
    lesson_id: LessonId,
    deleter: NamedDependency[DeleteLesson],
    owner: NamedDependency[str],
    if_match: Annotated[
        str | None, HeaderParameter(name="If-Match", max_length=200, required=False)
    ] = None,
) -> None:
    """Gone from reads and lists at once (404); purged after the retention.

    The retention is ``DGS_DELETED_RETENTION_DAYS``; If-Match names the version the lesson
    must still be at.
    """
    checked_id = str(lesson_id)
    expected = _expected_version(if_match, checked_id)
    await deleter(owner, checked_id, expected)


def _expected_version(if_match: str | None, lesson_id: str) -> int | None:
    """The version an If-Match names; ``*`` or none means any."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    prefix = f"{lesson_id}."
    # ASCII digits only, at most 18 (a 64-bit integer): str.isdigit() also accepts "¹",
    # which int() refuses, and a store column holds no larger number.
    if not tag.startswith(prefix) or not _VERSION.fullmatch(tag[len(prefix) :]):
        raise PreconditionFailedError("If-Match does not name a version of this lesson")
    return int(tag[len(prefix) :])


@post(
    "/v1/lessons/validate",
    status_code=200,
    request_max_body_size=1024 * 1024,
    guards=[require_json],
    responses=problems(400, 401, 413, 415),
    summary="Validate a lesson",
)
async def validate(
    data: JSONBody[Any],
    request: Request[Any, Any, Any],
    state: State,
    schema_version: Annotated[CatalogVersion | None, QueryParameter(name="schema_version")] = None,
) -> wire.Validation:
    """The ``dgs validate --json`` result for the posted lesson (200 even when invalid).

    The first 100 errors and warnings are listed, all are counted.
    """
    if len(await request.body()) <= _VALIDATE_ON_LOOP_BYTES:
        result = validate_lesson(data, schema_version)
    else:
        async with _validation_slots(state):
            result = await asyncio.to_thread(validate_lesson, data, schema_version)
    return wire.Validation(
        ok=result.ok,
        schema_version=result.schema_version,
        errors=[presenters.issue(e) for e in result.errors],
        warnings=[presenters.issue(w) for w in result.warnings],
        error_count=result.error_count,
        errors_truncated=result.errors_truncated,
        warning_count=result.warning_count,
        warnings_truncated=result.warnings_truncated,
    )


# Validation takes ~10 us per KB of a clean lesson, up to ~100 us per KB of a broken
# one: bodies above this are validated in a worker thread, so that the event loop goes
# on serving other requests (bench/bench_hostile_validate.py measures /health meanwhile).
_VALIDATE_ON_LOOP_BYTES = 16 * 1024
# Validations running in worker threads at once. They hold the GIL while they run, so
# more would not finish sooner; fewer threads leave the loop thread its share of the GIL,
# and leave the default executor's other threads free for the SQLite store.
_VALIDATION_THREADS = 1


def _validation_slots(state: State) -> asyncio.Semaphore:
    """The app's semaphore for validations in threads (made on first use, in the loop)."""
    slots: asyncio.Semaphore | None = state.get("validation_slots")
    if slots is None:
        slots = asyncio.Semaphore(_VALIDATION_THREADS)
        state["validation_slots"] = slots
    return slots


@route("/v1/lessons/{lesson_id:str}", http_method=[HttpMethod.OPTIONS], include_in_schema=False)
async def lesson_options(lesson_id: LessonId) -> Response[None]:
    """Methods of a lesson (Litestar's automatic answer lists only the first handler's)."""
    return Response(None, status_code=204, headers={"Allow": "GET, HEAD, PATCH, DELETE, OPTIONS"})


# lesson_options comes first: registered after GET, it would clash with the automatic one.
LESSON_ROUTES = [
    lesson_options,
    generate,
    get_lesson,
    list_lessons,
    patch_lesson,
    delete_lesson,
    validate,
]
