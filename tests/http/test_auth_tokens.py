"""Cognito tokens across the API (issue 14): every /v1 route takes them, /v1/me says who
the caller is, each DGS_AUTH_MODE accepts exactly its credentials, and an unreachable
JWKS fails closed (401, /ready 503) - over ASGI, Lambda events and a real server."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from tests.http.auth_api import (
    BEARER_CHALLENGE,
    GENERATE,
    bearer,
    lambda_call,
    open_token_api,
    refusal,
    token_lambda_settings,
)
from tests.http.conftest import DEV_KEY, ORIGIN, fresh_lambda
from tests.http.serve import serving
from tests.http.test_path_spellings import ROUTES, Route
from tests.http.wire_calls import HeaderValue, call_socket
from tests.support.cognito import Pool, claims_of
from tests.support.token_attacks import Arsenal

# Every route that needs credentials, as the path-spelling table lists them (its own test
# checks that the table covers every route the app documents).
PRIVATE = [r for r in ROUTES if not r.public and r.path.startswith("/v1")]
KEY: dict[str, HeaderValue] = {"X-DGS-Dev-Key": DEV_KEY}


def _body(route: Route) -> bytes:
    return json.dumps(route.body).encode() if route.body is not None else b""


async def test_every_v1_route_takes_a_token_and_refuses_without(
    tmp_path: Path, cognito_pool: Pool
) -> None:
    tokens = cognito_pool.user()
    api = open_token_api(tmp_path, cognito_pool.settings())
    async with api.client:
        created = await api.call("POST", "/v1/lessons/generate", bearer(tokens.access), GENERATE)
        assert created.status == 201, created.body
        lesson_id = created.json()["lesson_id"]
        for route in PRIVATE:
            target = route.path.replace("{id}", lesson_id)
            auth = {**bearer(tokens.access), **route.headers_for(lesson_id)}
            answer = await api.call(route.method, target, auth, _body(route))
            assert answer.status == route.status, (route, answer)
            refused = await api.call(
                route.method, target, route.headers_for(lesson_id), _body(route)
            )
            assert refused.status == 401, route
            assert refused.headers["www-authenticate"] == BEARER_CHALLENGE
            if route.method != "HEAD":
                assert refusal(refused) == (401, "unauthorized", BEARER_CHALLENGE)
        assert await api.stored() == 1  # the refused requests made nothing


def test_every_v1_route_takes_a_token_through_lambda(
    tmp_path: Path, cognito_pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = cognito_pool.user()
    settings = token_lambda_settings(tmp_path, cognito_pool.settings())
    with fresh_lambda(monkeypatch, settings) as module:
        created = lambda_call(
            module, "POST", "/v1/lessons/generate", bearer(tokens.access), GENERATE
        )
        assert created.status == 201, created.body
        lesson_id = created.json()["lesson_id"]
        for route in PRIVATE:
            target = route.path.replace("{id}", lesson_id)
            auth = {**bearer(tokens.access), **route.headers_for(lesson_id)}
            answer = lambda_call(module, route.method, target, auth, _body(route))
            assert answer.status == route.status, (route, answer)
            refused = lambda_call(
                module, route.method, target, {**KEY, **route.headers_for(lesson_id)}, _body(route)
            )
            assert refused.status == 401, route  # the dev key means nothing in cognito mode
            assert refused.headers["www-authenticate"] == BEARER_CHALLENGE


def _identity(me: dict[str, Any]) -> dict[str, Any]:
    """The identity fields of /v1/me (its account fields are tested in test_me_account)."""
    assert {"lessons", "usage", "rate_limits"} <= set(me)
    return {k: me[k] for k in ("sub", "email", "name", "identity_provider", "authenticated_by")}


async def test_me_says_who_signed_in(tmp_path: Path, cognito_pool: Pool) -> None:
    native = cognito_pool.user(email="ada@example.org", name="Ada Lovelace")
    google = cognito_pool.federated("Google")
    api = open_token_api(tmp_path, cognito_pool.settings())
    async with api.client:
        me = _identity((await api.call("GET", "/v1/me", bearer(native.access))).json())
        assert me == {
            "sub": claims_of(native.access)["sub"],
            "email": None,
            "name": None,
            "identity_provider": "COGNITO",
            "authenticated_by": "access-token",
        }  # fmt: skip  (an access token carries no email or name)
        me = (await api.call("GET", "/v1/me", bearer(google.access))).json()
        assert (me["identity_provider"], me["authenticated_by"]) == ("Google", "access-token")
    api = open_token_api(tmp_path, cognito_pool.settings(token_use="id"))
    async with api.client:
        me = _identity((await api.call("GET", "/v1/me", bearer(native.id))).json())
        assert me == {
            "sub": claims_of(native.id)["sub"], "email": "ada@example.org", "name": "Ada Lovelace",
            "identity_provider": "COGNITO", "authenticated_by": "id-token",
        }  # fmt: skip


async def test_both_mode_takes_either_credential_but_not_two(
    tmp_path: Path, cognito_pool: Pool
) -> None:
    tokens = cognito_pool.user()
    api = open_token_api(tmp_path, cognito_pool.settings(mode="both"), dev_key=True)
    async with api.client:
        by_key = await api.call("GET", "/v1/me", KEY)
        assert _identity(by_key.json()) == {
            "sub": None, "email": None, "name": None, "identity_provider": None,
            "authenticated_by": "dev-key",
        }  # fmt: skip
        by_token = await api.call("GET", "/v1/me", bearer(tokens.access))
        assert by_token.json()["authenticated_by"] == "access-token"
        both_sent = await api.call("GET", "/v1/me", {**KEY, **bearer(tokens.access)})
        none_sent = await api.call("GET", "/v1/me", {})
        wrong_key = await api.call("GET", "/v1/me", {"X-DGS-Dev-Key": "wrong-key-0123456789"})
        bad_token = await api.call("GET", "/v1/me", bearer(tokens.access + "x"))
    assert refusal(both_sent)[:2] == (401, "unauthorized")
    assert refusal(none_sent) == (401, "unauthorized", f"{BEARER_CHALLENGE}, DGS-Dev-Key")
    assert refusal(wrong_key) == (401, "unauthorized", "DGS-Dev-Key")
    assert refusal(bad_token) == (401, "invalid_token", BEARER_CHALLENGE)


async def test_dev_key_mode_ignores_tokens_and_keeps_its_header(
    tmp_path: Path, cognito_pool: Pool
) -> None:
    tokens = cognito_pool.user()
    api = open_token_api(tmp_path, {}, dev_key=True)  # the default mode
    async with api.client:
        assert (await api.call("GET", "/v1/me", KEY)).json()["authenticated_by"] == "dev-key"
        refused = await api.call("GET", "/v1/me", bearer(tokens.access))
    assert refusal(refused) == (401, "unauthorized", "DGS-Dev-Key")


async def test_a_token_refusal_is_logged_with_its_reason_and_answered_without(
    tmp_path: Path, cognito_pool: Pool, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = cognito_pool.user()
    api = open_token_api(tmp_path, cognito_pool.settings())
    api.clock.advance(7200)
    with caplog.at_level(logging.INFO, logger="dgs.auth"):
        async with api.client:
            answer = await api.call("GET", "/v1/me", bearer(tokens.access))
    problem = json.loads(answer.body)
    assert (answer.status, problem["code"]) == (401, "invalid_token")
    assert "expired" not in answer.body.decode()
    (line,) = [r.getMessage() for r in caplog.records if r.name == "dgs.auth"]
    assert problem["request_id"] in line
    assert "expired" in line
    assert tokens.access not in caplog.text  # the token itself is never logged


async def test_jwks_down_fails_closed_then_recovers(tmp_path: Path, arsenal: Arsenal) -> None:
    arsenal.relay.state.down = True
    settings = {**arsenal.pool.settings(), "DGS_COGNITO_JWKS_URL": arsenal.relay.url}
    api = open_token_api(tmp_path, settings)
    async with api.client:
        refused = await api.call("GET", "/v1/lessons", bearer(arsenal.user.access))
        assert refusal(refused) == (401, "invalid_token", BEARER_CHALLENGE)
        ready = await api.client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["identity"] == "unavailable: identity_unavailable"
        arsenal.relay.state.down = False
        api.clock.advance(10)  # the next fetch is due (and /ready's 5 s answer is stale)
        assert (await api.call("GET", "/v1/lessons", bearer(arsenal.user.access))).status == 200
        ready = await api.client.get("/ready")
        assert (ready.status_code, ready.json()["checks"]["identity"]) == (200, "ok")


def test_jwks_down_fails_closed_through_lambda(
    tmp_path: Path, arsenal: Arsenal, monkeypatch: pytest.MonkeyPatch
) -> None:
    arsenal.relay.state.down = True
    settings = {**arsenal.pool.settings(), "DGS_COGNITO_JWKS_URL": arsenal.relay.url}
    with fresh_lambda(monkeypatch, token_lambda_settings(tmp_path, settings)) as module:
        refused = lambda_call(module, "GET", "/v1/lessons", bearer(arsenal.user.access))
        assert refusal(refused) == (401, "invalid_token", BEARER_CHALLENGE)
        ready = lambda_call(module, "GET", "/ready", {})
        assert ready.status == 503
        assert ready.json()["checks"]["identity"] == "unavailable: identity_unavailable"


def test_serve_in_cognito_mode_makes_no_key_and_takes_tokens(
    tmp_path: Path, cognito_pool: Pool
) -> None:
    tokens = cognito_pool.user()
    env = {**os.environ, **cognito_pool.settings(), "DGS_SQLITE_PATH": str(tmp_path / "d.sqlite3")}
    with serving(env) as (port, output):
        me = call_socket(port, "GET", "/v1/me", bearer(tokens.access))
        refused = call_socket(port, "GET", "/v1/me", {})
        ready = call_socket(port, "GET", "/ready", {})
    assert (me.status, me.json()["sub"]) == (200, claims_of(tokens.access)["sub"])
    assert refusal(refused) == (401, "unauthorized", BEARER_CHALLENGE)
    assert (ready.status, ready.json()["checks"]["identity"]) == (200, "ok")
    assert not any("DGS_DEV_KEY" in line for line in output)
    assert any(f"auth: Cognito access tokens of pool {cognito_pool.id}" in line for line in output)


async def test_a_browser_may_send_the_bearer_token(tmp_path: Path, cognito_pool: Pool) -> None:
    """DLE's requests carry Authorization, so its CORS preflight must allow that header."""
    tokens = cognito_pool.user()
    api = open_token_api(tmp_path, cognito_pool.settings())
    preflight: dict[str, HeaderValue] = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET",
                                         "Access-Control-Request-Headers": "authorization"}  # fmt: skip
    async with api.client:
        allowed = await api.call("OPTIONS", "/v1/me", preflight)
        me = await api.call("GET", "/v1/me", {"Origin": ORIGIN, **bearer(tokens.access)})
    assert allowed.status == 204
    assert "authorization" in allowed.headers["access-control-allow-headers"].split(", ")
    assert (me.status, me.headers["access-control-allow-origin"]) == (200, ORIGIN)


@pytest.mark.parametrize(
    ("mode", "schemes"), [("cognito", ["bearer"]), ("both", ["devKey", "bearer"])]
)
async def test_the_docs_declare_the_credentials_the_mode_accepts(
    tmp_path: Path, cognito_pool: Pool, mode: str, schemes: list[str]
) -> None:
    api = open_token_api(tmp_path, cognito_pool.settings(mode=mode), dev_key=mode == "both")
    async with api.client:
        document = (await api.client.get("/docs/openapi.json")).json()
    declared = document["components"]["securitySchemes"]
    assert list(declared) == schemes
    assert declared["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A Cognito access token (or id token, per DGS_COGNITO_TOKEN_USE).",
    }
    generate = document["paths"]["/v1/lessons/generate"]["post"]
    assert generate["security"] == [{name: []} for name in schemes]
