"""Every refused token of ``tests/support/token_attacks.py``, and every malformed or
misplaced credential, through the API (ASGI) and Lambda events: 401 problem+json with the
RFC 6750 challenge and a stable code, no model call, nothing stored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
from tests.http.conftest import DEV_KEY, count_model_calls, fresh_lambda
from tests.http.wire_calls import HeaderValue
from tests.support.token_attacks import ATTACKS, CONTROLS, Arsenal, Attack


def relayed(arsenal: Arsenal, token_use: str) -> dict[str, str]:
    """Settings for the arsenal's pool, its keys from the relay (which publishes more)."""
    return {**arsenal.pool.settings(token_use), "DGS_COGNITO_JWKS_URL": arsenal.relay.url}


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
async def test_a_refused_token_acts_nothing(
    tmp_path: Path, arsenal: Arsenal, attack: Attack
) -> None:
    api = open_token_api(tmp_path, relayed(arsenal, attack.token_use), attack.clock(arsenal))
    headers = bearer(attack.token(arsenal))
    async with api.client:
        generated = await api.call("POST", "/v1/lessons/generate", headers, GENERATE)
        me = await api.call("GET", "/v1/me", headers)
        stored = await api.stored()
    for answer in (generated, me):
        assert refusal(answer) == (401, "invalid_token", BEARER_CHALLENGE)
        assert answer.json()["detail"] == "the bearer token was not accepted"  # no reason given
    assert (api.calls.count, stored) == (0, 0)


@pytest.mark.parametrize("control", CONTROLS, ids=str)
async def test_the_controls_are_served(tmp_path: Path, arsenal: Arsenal, control: Attack) -> None:
    api = open_token_api(tmp_path, relayed(arsenal, control.token_use), control.clock(arsenal))
    async with api.client:
        me = await api.call("GET", "/v1/me", bearer(control.token(arsenal)))
    assert me.status == 200, me.body


def test_every_refused_token_through_lambda(
    tmp_path: Path, arsenal: Arsenal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attacks that hold at the real time (Lambda's clock is the system's)."""
    wrong: list[str] = []
    for token_use in ("access", "id"):
        attacks = [a for a in ATTACKS if a.at is None and a.token_use == token_use]
        with fresh_lambda(
            monkeypatch, token_lambda_settings(tmp_path, relayed(arsenal, token_use))
        ) as module:
            calls = count_model_calls(module.container)
            for attack in attacks:
                headers = bearer(attack.token(arsenal))
                for method, target, body in (
                    ("POST", "/v1/lessons/generate", GENERATE),
                    ("GET", "/v1/me", None),
                ):
                    answer = lambda_call(module, method, target, headers, body)
                    if refusal(answer) != (401, "invalid_token", BEARER_CHALLENGE):
                        wrong.append(f"{attack}: {answer}")
            control = lambda_call(module, "GET", "/v1/me", bearer(arsenal.signed(token_use)))
            assert control.status == 200, control.body
            assert calls.count == 0
    assert not wrong, "\n".join(wrong)


@dataclass(frozen=True)
class Credential:
    """A request's credentials in cognito mode, and the answer they get."""

    id: str
    headers: dict[str, HeaderValue]
    code: str

    def __str__(self) -> str:
        return self.id


CREDENTIALS = [
    Credential("none", {}, "unauthorized"),
    Credential("dev-key", {"X-DGS-Dev-Key": DEV_KEY}, "unauthorized"),  # no key in cognito mode
    Credential("basic-scheme", {"Authorization": "Basic dXNlcjpwYXNz"}, "unauthorized"),
    Credential("token-scheme", {"Authorization": "Token abc.def.ghi"}, "unauthorized"),
    Credential("empty-authorization", {"Authorization": ""}, "unauthorized"),
    Credential("bearer-alone", {"Authorization": "Bearer"}, "invalid_token"),
    Credential("bearer-empty", {"Authorization": "Bearer "}, "invalid_token"),
    Credential("bearer-two-words", {"Authorization": "Bearer abc def"}, "invalid_token"),
    Credential("bearer-bad-characters", {"Authorization": "Bearer a.b.c;drop"}, "invalid_token"),
    Credential(
        "bearer-non-ascii",
        {"Authorization": "Bearer \xe9.\xe9.\xe9".encode("latin-1")},
        "invalid_token",
    ),
]


@pytest.mark.parametrize("credential", CREDENTIALS, ids=str)
async def test_a_missing_or_malformed_credential(
    tmp_path: Path, arsenal: Arsenal, credential: Credential
) -> None:
    api = open_token_api(tmp_path, relayed(arsenal, "access"))
    async with api.client:
        answer = await api.call("GET", "/v1/lessons", credential.headers)
        lowercase = await api.call(
            "GET", "/v1/lessons", {"authorization": f"bEaReR {arsenal.user.access}"}
        )
    assert refusal(answer) == (401, credential.code, BEARER_CHALLENGE)
    assert lowercase.status == 200  # the scheme is case-insensitive (RFC 9110 section 11.1)


def test_missing_or_malformed_credentials_through_lambda(
    tmp_path: Path, arsenal: Arsenal, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_lambda(
        monkeypatch, token_lambda_settings(tmp_path, relayed(arsenal, "access"))
    ) as module:
        answers = {c.id: lambda_call(module, "GET", "/v1/lessons", c.headers) for c in CREDENTIALS}
    assert {k: refusal(a) for k, a in answers.items()} == {
        c.id: (401, c.code, BEARER_CHALLENGE) for c in CREDENTIALS
    }
