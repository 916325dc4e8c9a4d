"""The /v1 contract through the HTTP layer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from dependency_injector import providers

from adapters.http.readiness import READINESS_TTL_SECONDS
from tests.http.conftest import KEY, ORIGIN, Api, open_api
from tests.support.fakes import FakeClock


async def test_generate_returns_201_shorthand_by_default_and_full_on_request(api: Api) -> None:
    body = await api.generate("Photosynthesis")
    assert set(body) == {"lesson_id", "lesson_json", "meta"}
    assert body["lesson_json"]["schema_version"] == "1.1"
    first_section = body["lesson_json"]["blocks"][0]["items"]
    assert any(isinstance(item, str) for item in first_section)  # shorthand paragraphs
    assert body["meta"]["provider_a"] == "offline"
    full = await api.client.post(
        "/v1/lessons/generate?format=full&cache=false",
        json={"topic": "Photosynthesis"},
        headers=KEY,
    )
    assert full.status_code == 201
    items = full.json()["lesson_json"]["blocks"][0]["items"]
    assert all(isinstance(item, dict) and "type" in item for item in items)
    assert full.headers["location"] == f"/v1/lessons/{full.json()['lesson_id']}"


async def test_get_has_metadata_an_etag_and_converts_versions(api: Api) -> None:
    created = await api.generate()
    lesson_id = created["lesson_id"]
    response = await api.client.get(f"/v1/lessons/{lesson_id}", headers=KEY)
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{lesson_id}.1"'
    body = response.json()
    assert body["lesson_json"] == created["lesson_json"]
    assert body["meta"] == created["meta"]
    old = (await api.client.get(f"/v1/lessons/{lesson_id}?schema_version=1.0", headers=KEY)).json()
    assert (old["schema_version"], old["stored_schema_version"]) == ("1.0", "1.1")
    assert any("quiz" in block for block in old["lesson_json"]["blocks"])
    assert [w["code"] for w in old["conversion_warnings"]] == [
        "conversion.widget_replaced"
    ]  # inputLine


async def test_list_filters_and_pages(api: Api) -> None:
    ids = [(await api.generate(f"Topic {n}", mode="fast"))["lesson_id"] for n in range(5)]
    page = (await api.client.get("/v1/lessons?limit=2", headers=KEY)).json()
    assert [i["lesson_id"] for i in page["items"]] == ids[::-1][:2]
    rest = (
        await api.client.get(f"/v1/lessons?limit=2&cursor={page['next_cursor']}", headers=KEY)
    ).json()
    assert [i["lesson_id"] for i in rest["items"]] == ids[::-1][2:4]
    found = (await api.client.get("/v1/lessons?q=topic%203", headers=KEY)).json()
    assert [i["lesson_id"] for i in found["items"]] == [ids[3]]
    none = (await api.client.get("/v1/lessons?from=2099-01-01T00:00:00Z", headers=KEY)).json()
    assert none == {"items": [], "next_cursor": None}


async def test_patch_retags_renames_and_honours_if_match(api: Api) -> None:
    lesson_id = (await api.generate())["lesson_id"]
    etag = (await api.client.get(f"/v1/lessons/{lesson_id}", headers=KEY)).headers["etag"]
    patched = await api.client.patch(
        f"/v1/lessons/{lesson_id}",
        json={"tags_add": ["  ocean ", "ocean", "moon"], "title": "Tides and the Moon"},
        headers={**KEY, "If-Match": etag},
    )
    assert patched.status_code == 200
    body = patched.json()
    assert (body["tags"], body["title"], body["lesson_json"]["title"], body["version"]) == (
        ["ocean", "moon"], "Tides and the Moon", "Tides and the Moon", 2,
    )  # fmt: skip
    assert patched.headers["etag"] == f'"{lesson_id}.2"'
    stale = await api.client.patch(
        f"/v1/lessons/{lesson_id}", json={"title": "Old"}, headers={**KEY, "If-Match": etag}
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
    removed = await api.client.patch(
        f"/v1/lessons/{lesson_id}", json={"tags_remove": ["moon"]}, headers=KEY
    )
    assert removed.json()["tags"] == ["ocean"]
    assert (await api.client.get(f"/v1/lessons/{lesson_id}", headers=KEY)).json()[
        "title"
    ] == "Tides and the Moon"


async def test_validate_catalog_and_schema(api: Api) -> None:
    lesson = {"title": "T", "blocks": [{"section": "S", "items": [{"flip": ["front"]}]}]}
    result = (await api.client.post("/v1/lessons/validate", json=lesson, headers=KEY)).json()
    assert result["ok"] is False
    assert result["errors"][0] == {
        "path": "/blocks/0/items/0/flip/1", "code": "position.missing_required",
        "message": "required position 'back' is missing", "rule_source": "schema",
    }  # fmt: skip
    catalog = (await api.client.get("/v1/catalog", headers=KEY)).json()
    assert catalog["default_version"] == "1.1"
    assert {c["schema_version"] for c in catalog["catalogs"]} == {"1.0", "1.1"}
    assert "## flip" in catalog["catalogs"][0]["widgets_md"]
    schema = await api.client.get("/v1/schemas/lesson/1.0", headers=KEY)
    assert schema.json()["properties"]["schema_version"] == {"const": "1.0"}


async def test_health_ready_and_docs(api: Api) -> None:
    assert (await api.client.get("/health")).json() == {"status": "ok", "checks": {}}
    ready = await api.client.get("/ready")
    assert (ready.status_code, ready.json()["checks"]) == (200, {"store": "ok", "provider": "ok"})
    openapi = (await api.client.get("/docs/openapi.json")).json()
    assert openapi["openapi"].startswith("3.1")
    assert "/v1/lessons/generate" in openapi["paths"]


async def test_ready_is_503_when_the_store_is_down(api: Api) -> None:
    from dependency_injector import providers

    from application.errors import StoreUnavailableError

    class DownStore:
        async def ping(self) -> None:
            raise StoreUnavailableError("down")

    with api.container.lessons.override(providers.Object(DownStore())):
        ready = await api.client.get("/ready")
    assert ready.status_code == 503
    assert ready.headers["retry-after"] == "5"
    assert ready.json()["checks"]["store"] == "unavailable: store_unavailable"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health"),
        ("GET", "/v1/lessons"),
        ("GET", "/nope"),
        ("POST", "/v1/lessons/generate"),
        ("GET", "/docs/openapi.json"),
    ],
)
async def test_every_response_has_security_headers_and_no_banner(
    api: Api, method: str, path: str
) -> None:
    response = await api.client.request(method, path)
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["vary"] == "Origin"
    assert len(headers["x-request-id"]) == 32
    assert "server" not in headers
    if not path.startswith("/docs"):
        assert headers["cache-control"] == "no-store"


async def test_cors_allows_only_the_configured_origin(api: Api) -> None:
    preflight = await api.client.options(
        "/v1/lessons/generate",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type, x-dgs-dev-key, idempotency-key"},
    )  # fmt: skip
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    assert "DELETE" in preflight.headers["access-control-allow-methods"]  # DLE deletes lessons
    assert "PUT" not in preflight.headers["access-control-allow-methods"]
    response = await api.client.get("/v1/lessons", headers={**KEY, "Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "etag" in response.headers["access-control-expose-headers"].lower()
    no_origin = await api.client.get("/v1/lessons", headers=KEY)
    assert "access-control-allow-origin" not in no_origin.headers


async def test_problem_bodies_carry_code_detail_and_request_id(api: Api) -> None:
    response = await api.client.get("/v1/lessons/3f1c2b8e-0000-4000-8000-000000000000", headers=KEY)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_found"
    assert body["request_id"] == response.headers["x-request-id"]
    assert set(body) >= {"type", "title", "status", "detail", "code", "request_id"}


async def test_openapi_exposure_is_a_setting(tmp_path: Path) -> None:
    client, _, _ = await open_api(tmp_path, DGS_OPENAPI_ENABLED="false")
    async with client:
        assert (await client.get("/docs/openapi.json")).status_code == 401  # not public then
        assert (await client.get("/docs/openapi.json", headers=KEY)).status_code == 404
        assert (await client.get("/docs", headers=KEY)).status_code == 404
        assert (await client.get("/health")).status_code == 200


GET_ROUTES = [
    "/v1/lessons", "/v1/lessons/{id}", "/v1/catalog", "/v1/schemas/lesson/1.1",
    "/health", "/ready", "/docs", "/docs/swagger", "/docs/openapi.json",
]  # fmt: skip


async def test_head_answers_every_get_route_as_get_without_a_body(api: Api) -> None:
    lesson_id = (await api.generate())["lesson_id"]
    for path in (p.replace("{id}", lesson_id) for p in GET_ROUTES):
        got = await api.client.get(path, headers=KEY)
        head = await api.client.head(path, headers=KEY)
        assert (path, head.status_code, head.content) == (path, 200, b"")
        assert got.status_code == 200
        for name in ("content-type", "content-length", "etag", "cache-control", "vary"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)
    public = await api.client.head("/health")
    assert (public.status_code, public.content) == (200, b"")
    refused = await api.client.head("/v1/lessons")
    assert (refused.status_code, refused.content) == (401, b"")
    assert refused.headers["content-type"] == "application/problem+json"


async def test_allow_headers_list_head_with_get(api: Api) -> None:
    lesson = "/v1/lessons/3f1c2b8e-0000-4000-8000-000000000000"
    options = await api.client.options(lesson, headers=KEY)
    assert options.headers["allow"] == "GET, HEAD, PATCH, DELETE, OPTIONS"
    put = await api.client.put(lesson, headers=KEY)
    assert put.status_code == 405
    allowed = {m.strip() for m in put.headers["allow"].split(",")}
    assert allowed >= {"GET", "HEAD", "PATCH", "DELETE"}
    preflight = await api.client.options(
        "/v1/lessons", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "HEAD"}
    )
    assert preflight.status_code == 204


@pytest.mark.parametrize(
    "path",
    ["/docs/redoc", "/docs/rapidoc", "/docs/elements", "/docs/openapi.yaml", "/docs/oauth2-redirect",
     "/docs/swagger/x", "/", "/index.html", "/v1", "/schema"],
)  # fmt: skip
async def test_paths_not_served_answer_problem_json_never_html(api: Api, path: str) -> None:
    for headers, status, code in (({}, 401, "unauthorized"), (KEY, 404, "not_found")):
        response = await api.client.get(path, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code), path
        assert response.headers["content-type"] == "application/problem+json"


class CountingStore:
    """A store that answers pings and counts them; ``delay`` holds each one open."""

    def __init__(self) -> None:
        self.pings = 0
        self.delay = 0.0

    async def ping(self) -> None:
        self.pings += 1
        await asyncio.sleep(self.delay)


async def test_ready_reads_the_store_once_per_window(api: Api) -> None:
    store, clock = CountingStore(), FakeClock()
    api.container.lessons.override(providers.Object(store))
    api.container.clock.override(providers.Object(clock))
    for _ in range(10):
        assert (await api.client.get("/ready")).status_code == 200
    assert store.pings == 1
    clock.advance(READINESS_TTL_SECONDS - 0.1)
    assert (await api.client.get("/ready")).status_code == 200
    assert store.pings == 1
    clock.advance(0.2)
    assert (await api.client.get("/ready")).status_code == 200
    assert store.pings == 2
    clock.advance(READINESS_TTL_SECONDS + 1)
    store.delay = 0.2  # twenty callers arrive while one check is under way
    answers = await asyncio.gather(*(api.client.get("/ready") for _ in range(20)))
    assert {a.status_code for a in answers} == {200}
    assert store.pings == 3
    clock.advance(-3600)  # a clock set back does not keep a stale answer forever
    assert (await api.client.get("/ready")).status_code == 200
    assert store.pings == 4
