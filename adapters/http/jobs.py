"""The /v1/jobs routes: start a generation job, poll it, watch it (SSE), cancel it, list them.

Every route acts for the caller's owner (``principal_of(scope).owner``): another owner's
job answers 404 exactly like a missing one.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import HttpMethod, Request, Response, get, post, route
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.response import ServerSentEvent

from adapters.http import job_views, presenters, wire
from adapters.http.authn import principal_of
from adapters.http.job_event_timing import JobEvents
from adapters.http.job_events import job_events
from adapters.http.lessons import (
    CacheQuery,
    FormatQuery,
    IdempotencyHeader,
    generate_request,
    require_json,
)
from adapters.http.problems import request_id_of
from adapters.http.rate_limit_headers import RateLimitedOperation, rate_limit_headers
from adapters.http.responses import problems
from application.cursor import CursorCodec
from application.jobs.records import JobRecord, JobStatus
from application.responses import LessonFormat
from application.use_cases.jobs.manage import MAX_PAGE, CancelJob, GetJob, ListJobs, StartJob
from application.use_cases.lessons import GetLesson

JobId = Annotated[uuid.UUID, PathParameter(description="the job's id (a UUID)")]
_IF_NONE_MATCH = Annotated[
    str | None,
    HeaderParameter(
        name="If-None-Match",
        max_length=512,
        required=False,
        description="the ETag of the last answer: 304 while the job has not changed",
    ),
]


@post(
    "/v1/jobs",
    status_code=202,
    request_max_body_size=8 * 1024,
    guards=[require_json],
    responses={
        202: ResponseSpec(wire.Job, description="Accepted; poll the URL in Location"),
        **problems(400, 401, 409, 413, 415, 422, 429, 503),
    },
    operation_class=RateLimitedOperation,
    summary="Start a generation job",
    description=(
        "The generate request; the job runs on a worker. Poll GET /v1/jobs/{job_id} with "
        "backoff (0.75 s, then 1.5 s, then 3 s) or watch its events (not on Lambda). The "
        "same Idempotency-Key returns the same job."
    ),
)
async def start_job(
    data: JSONBody[wire.GenerateBody],
    request: Request[Any, Any, Any],
    job_starter: NamedDependency[StartJob],
    client: NamedDependency[str],
    format: FormatQuery = "shorthand",
    cache: CacheQuery = True,
    idempotency_header: IdempotencyHeader = None,
) -> Response[wire.Job]:
    """Accept a job: 202 with its state and ``Location``; charged once, when created."""
    owner = principal_of(request.scope).owner
    started = await job_starter(
        generate_request(data, idempotency_header, owner=owner),
        owner,
        client,
        format,
        use_cache=cache,
    )
    record = started.job
    headers = {
        "Location": f"/v1/jobs/{record.job_id}",
        "ETag": job_views.etag(record, format),
        **rate_limit_headers(started.quotas),
    }
    if not started.created:
        headers["Idempotent-Replayed"] = "true"
    body = job_views.job(record, request_id_of(request))
    return Response(body, status_code=202, headers=headers)


@get(
    "/v1/jobs/{job_id:str}",
    responses={
        304: ResponseSpec(None, description="Not modified since the ETag sent"),
        **problems(400, 401, 404, 503),
    },
    summary="Get a generation job",
    description=(
        "Its status, phase, progress, model calls and totals; once done the lesson, once "
        "failed the problem the synchronous route would have answered. Send the last ETag "
        "in If-None-Match: 304 while nothing changed."
    ),
)
async def get_job(
    job_id: JobId,
    request: Request[Any, Any, Any],
    job_getter: NamedDependency[GetJob],
    getter: NamedDependency[GetLesson],
    format: FormatQuery = "shorthand",
    if_none_match: _IF_NONE_MATCH = None,
) -> Response[Any]:
    """The job's state (304 when ``If-None-Match`` names its current version)."""
    record = await job_getter(principal_of(request.scope).owner, str(job_id))
    tag = job_views.etag(record, format)
    if job_views.not_modified(if_none_match, tag):
        return Response(None, status_code=304, headers={"ETag": tag})
    body = await _answer(record, request, getter, format)
    return Response(body, headers={"ETag": tag})


async def _answer(
    record: JobRecord, request: Request[Any, Any, Any], getter: GetLesson, fmt: LessonFormat
) -> wire.Job:
    lesson = None
    if record.status == "done" and record.lesson_id is not None:
        lesson = presenters.lesson(await getter(record.owner, record.lesson_id), fmt)
    return job_views.job(record, request_id_of(request), lesson)


@get(
    "/v1/jobs/{job_id:str}/events",
    responses=problems(400, 401, 404, 503),
    summary="Watch a generation job (Server-Sent Events)",
    description=(
        "One `state` event (the job as GET /v1/jobs/{job_id} answers it, lesson aside) "
        "each time the job changes, ending after its final state; a comment every few "
        "seconds keeps the connection open. Not on AWS Lambda: Function URL responses are "
        "buffered there, so poll GET /v1/jobs/{job_id} instead."
    ),
)
async def watch_job(
    job_id: JobId,
    request: Request[Any, Any, Any],
    job_getter: NamedDependency[GetJob],
    job_events_timing: NamedDependency[JobEvents],
) -> ServerSentEvent:
    """The job's states as they change, until it ends."""
    owner = principal_of(request.scope).owner
    first = await job_getter(owner, str(job_id))  # 404 before the stream starts
    events = job_events(first, job_getter, owner, request_id_of(request), job_events_timing)
    return ServerSentEvent(events, headers={"Cache-Control": "no-store"})


@post(
    "/v1/jobs/{job_id:str}/cancel",
    status_code=202,
    responses={
        200: ResponseSpec(wire.Job, description="Canceled (it was queued)"),
        202: ResponseSpec(wire.Job, description="Asked to stop at its next step"),
        **problems(400, 401, 404, 409, 503),
    },
    summary="Cancel a generation job",
    description=(
        "Best effort: a queued job never starts (200, canceled); a running one stops at "
        "its next step boundary, stores nothing and ends canceled (202). A finished job, "
        "or one storing its lesson (phase store; it ends done), answers 409 job_finished."
    ),
)
async def cancel_job(
    job_id: JobId,
    request: Request[Any, Any, Any],
    job_canceler: NamedDependency[CancelJob],
) -> Response[wire.Job]:
    """Cancel the job: 200 once canceled, 202 while it winds down."""
    record = await job_canceler(principal_of(request.scope).owner, str(job_id))
    status = 200 if record.final else 202
    body = job_views.job(record, request_id_of(request))
    return Response(body, status_code=status, headers={"ETag": job_views.etag(record, "shorthand")})


@get(
    "/v1/jobs",
    responses=problems(400, 401, 503),
    summary="List generation jobs",
    description="The caller's recent jobs, newest first; follow next_cursor for more.",
)
async def list_jobs(
    request: Request[Any, Any, Any],
    job_lister: NamedDependency[ListJobs],
    cursors: NamedDependency[CursorCodec],
    status: Annotated[JobStatus | None, QueryParameter(name="status")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 20,
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
) -> wire.JobPage:
    """One page of the caller's jobs (their lessons are read with GET /v1/jobs/{job_id})."""
    owner = principal_of(request.scope).owner
    after = job_views.position(cursors, cursor, owner, status)
    page = await job_lister(owner, status, limit, after)
    request_id = request_id_of(request)
    return wire.JobPage(
        items=[job_views.job(j, request_id) for j in page.items],
        next_cursor=job_views.next_cursor(cursors, page, owner, status),
    )


@route("/v1/jobs", http_method=[HttpMethod.OPTIONS], include_in_schema=False)
async def jobs_options() -> Response[None]:
    """Methods of /v1/jobs (Litestar's automatic answer lists only the first handler's)."""
    return Response(None, status_code=204, headers={"Allow": "GET, HEAD, POST, OPTIONS"})


# jobs_options comes first: registered after the others, it would clash with the automatic one.
JOB_ROUTES = [jobs_options, start_job, get_job, watch_job, cancel_job, list_jobs]
