"""Jobs are their owner's: another owner's job is a 404 like a missing one, listings are
the caller's own (newest first, keyset pages) and a cursor is bound to its owner; the
Lambda handler serves the job routes; the generate body's schema is complete for DLE."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from tests.http.auth_api import PROBLEM, bearer, lambda_call, open_token_api
from tests.http.conftest import DEV_KEY, LAMBDA_KEY
from tests.http.wire_calls import HeaderValue
from tests.support.cognito import Pool
from tests.support.jobs import IdlePool

pytestmark = pytest.mark.slow
KEY: dict[str, HeaderValue] = {"X-DGS-Dev-Key": DEV_KEY}
MISSING = "/v1/jobs/7f1c9a52-3c1e-4a53-9f43-2f8e1c4d5b6a"


async def test_another_owners_job_is_not_found_on_every_route(
    tmp_path: Path, cognito_pool: Pool
) -> None:
    tokens = cognito_pool.user()
    api = open_token_api(tmp_path, cognito_pool.settings(mode="both"), dev_key=True)
    api.container.worker_pool.override(providers.Object(IdlePool()))
    body = b'{"topic": "Tides"}'
    async with api.client:
        mine = await api.call("POST", "/v1/jobs", KEY, body)
        job = f"/v1/jobs/{mine.json()['job_id']}"
        theirs = [
            await api.call("GET", job, bearer(tokens.access)),
            await api.call("GET", job + "/events", bearer(tokens.access)),
            await api.call("POST", job + "/cancel", bearer(tokens.access)),
        ]
        missing = [
            await api.call("GET", MISSING, bearer(tokens.access)),
            await api.call("GET", MISSING + "/events", bearer(tokens.access)),
            await api.call("POST", MISSING + "/cancel", bearer(tokens.access)),
        ]
        their_list = await api.call("GET", "/v1/jobs", bearer(tokens.access))
        still_mine = await api.call("GET", job, KEY)

    def shape(answer: Any) -> tuple[int, str, str, str]:
        problem = answer.json()
        detail = problem["detail"].replace(mine.json()["job_id"], "ID").replace(MISSING[9:], "ID")
        return answer.status, answer.headers["content-type"], problem["code"], detail

    assert [shape(a) for a in theirs] == [shape(a) for a in missing]
    assert {a.status for a in theirs} == {404}
    assert {a.headers["content-type"] for a in theirs} == {PROBLEM}
    assert their_list.json()["items"] == []
    assert still_mine.json()["status"] == "queued"  # the other owner's cancel changed nothing


async def test_jobs_are_listed_newest_first_in_pages_bound_to_their_owner(
    tmp_path: Path, cognito_pool: Pool
) -> None:
    tokens = cognito_pool.user()
    api = open_token_api(tmp_path, cognito_pool.settings(mode="both"), dev_key=True)
    api.container.worker_pool.override(providers.Object(IdlePool()))
    async with api.client:
        made = []
        for n in range(5):
            api.clock.advance(1)  # each a second newer than the last
            made.append((await api.call("POST", "/v1/jobs", KEY, b'{"topic": "T %d"}' % n)).json())
        await api.call("POST", "/v1/jobs", bearer(tokens.access), b'{"topic": "Theirs"}')
        pages, cursor = [], None
        while True:
            target = "/v1/jobs?limit=2" + (f"&cursor={cursor}" if cursor else "")
            page = (await api.call("GET", target, KEY)).json()
            pages.append([j["job_id"] for j in page["items"]])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        first = (await api.call("GET", "/v1/jobs?limit=2", KEY)).json()
        stolen = await api.call(
            "GET", f"/v1/jobs?limit=2&cursor={first['next_cursor']}", bearer(tokens.access)
        )
        other_filter = await api.call(
            "GET", f"/v1/jobs?limit=2&status=done&cursor={first['next_cursor']}", KEY
        )
        canceled = await api.call("POST", f"/v1/jobs/{made[0]['job_id']}/cancel", KEY)
        only_canceled = (await api.call("GET", "/v1/jobs?status=canceled", KEY)).json()
        bad_status = await api.call("GET", "/v1/jobs?status=lost", KEY)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [job for page in pages for job in page] == [j["job_id"] for j in reversed(made)]
    assert (stolen.status, stolen.json()["code"]) == (400, "foreign_cursor")
    assert (other_filter.status, other_filter.json()["code"]) == (400, "invalid_cursor")
    assert canceled.status == 200
    assert [j["job_id"] for j in only_canceled["items"]] == [made[0]["job_id"]]
    assert bad_status.status == 400


def test_the_lambda_handler_starts_and_reads_a_job(lambda_module: Any) -> None:
    key: dict[str, HeaderValue] = {"X-DGS-Dev-Key": LAMBDA_KEY}
    started = lambda_call(lambda_module, "POST", "/v1/jobs", key, b'{"topic": "Tides"}')
    assert started.status == 202, started.body
    location = started.headers["location"]
    polled = lambda_call(lambda_module, "GET", location, key)
    unchanged = lambda_call(
        lambda_module, "GET", location, {**key, "If-None-Match": polled.headers["etag"]}
    )
    assert polled.status == 200
    assert polled.json()["job_id"] == started.json()["job_id"]
    # Lifespan is off on Lambda: no in-process worker took the job.
    assert polled.json()["status"] == "queued"
    assert unchanged.status == 304


def test_the_generate_schema_describes_every_field_for_dles_form(tmp_path: Path) -> None:
    from litestar.testing import TestClient

    from entrypoints.container import build_container
    from entrypoints.http_app import build_app
    from entrypoints.settings import load_settings
    from tests.http.conftest import api_settings

    container = build_container(load_settings(api_settings(tmp_path)))
    container.worker_pool.override(providers.Object(IdlePool()))
    with TestClient(build_app(container)) as client:
        document = client.get("/docs/openapi.json").json()
    schemas = document["components"]["schemas"]
    body, constraints = schemas["GenerateBody"]["properties"], schemas["Constraints"]["properties"]
    for name, field in {**body, **constraints}.items():
        assert field.get("description"), name
    assert (body["topic"]["maxLength"], body["prompt"]["maxLength"]) == (200, 300)
    assert body["mode"]["default"] == "balanced"
    assert set(body["mode"]["enum"]) >= {"fast", "balanced", "best"}
    assert body["schema_version"]["default"] == "1.1"
    assert constraints["learnerLevel"]["default"] == "Beginner"
    assert set(constraints["learnerLevel"]["enum"]) >= {"Newbie", "Expert"}
    assert constraints["length"]["default"] == "Detailed"
    assert (constraints["language"]["default"], constraints["language"]["maxLength"]) == ("en", 35)
    assert constraints["language"]["pattern"]
    assert body["idempotency_key"]["maxLength"] == 128
    job_body = document["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]
    assert json.dumps(job_body).count("GenerateBody") == 1
    events = document["paths"]["/v1/jobs/{job_id}/events"]["get"]["description"]
    assert "Lambda" in events
    assert "poll" in events
