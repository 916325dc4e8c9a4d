"""The Cognito verifier against moto's Cognito IdP: real tokens, forged ones, key rotation,
rate-limited refetches and an unreachable JWKS (fail closed), on a fake clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.auth.claims import identity_provider
from adapters.auth.cognito import CognitoConfig, CognitoTokenVerifier
from adapters.auth.jwks import JwksCache, JwksFetcher, fetch_over_http
from application.ports.identity import IdentityUnavailableError, InvalidTokenError, TokenVerifier
from tests.http.serve import free_port
from tests.support.cognito import REGION, Pool, claims_of, public_jwk
from tests.support.fakes import FakeClock
from tests.support.token_attacks import ATTACKS, CONTROLS, TRUSTED_KID, Arsenal, Attack


def verifier(
    pool: Pool,
    clock: FakeClock,
    jwks_url: str,
    token_use: str = "access",
    fetch: JwksFetcher = fetch_over_http,
    max_age: timedelta = timedelta(hours=1),
) -> CognitoTokenVerifier:
    config = CognitoConfig(
        REGION, pool.id, pool.client_id, "id" if token_use == "id" else "access", jwks_url
    )
    return CognitoTokenVerifier(config, JwksCache(config.keys_url, clock, fetch, max_age), clock)


def now() -> FakeClock:
    return FakeClock(datetime.now(UTC))


def test_it_is_the_port() -> None:
    clock = now()
    config = CognitoConfig(REGION, "us-east-1_x", "c")
    assert isinstance(
        CognitoTokenVerifier(config, JwksCache(config.keys_url, clock), clock), TokenVerifier
    )
    assert (
        config.keys_url
        == f"https://cognito-idp.{REGION}.amazonaws.com/us-east-1_x/.well-known/jwks.json"
    )


async def test_a_signed_in_user_is_their_own_owner(cognito_pool: Pool) -> None:
    """Sign-up, sign-in, then the access token (default) and the id token verify."""
    tokens = cognito_pool.user(email="ada@example.org", name="Ada Lovelace")
    sub = claims_of(tokens.access)["sub"]
    access = await verifier(cognito_pool, now(), cognito_pool.jwks_url).verify(tokens.access)
    assert (access.owner, access.method, access.subject) == (f"USER#{sub}", "access-token", sub)
    assert (access.email, access.name, access.identity_provider) == (None, None, "COGNITO")
    found = await verifier(cognito_pool, now(), cognito_pool.jwks_url, "id").verify(tokens.id)
    assert (found.owner, found.method, found.email, found.name) == (
        f"USER#{sub}", "id-token", "ada@example.org", "Ada Lovelace",
    )  # fmt: skip


async def test_the_default_keys_url_is_the_issuers(cognito_pool: Pool) -> None:
    config = CognitoConfig(REGION, cognito_pool.id, cognito_pool.client_id)
    assert config.issuer == claims_of(cognito_pool.user().access)["iss"]
    assert config.keys_url == f"{config.issuer}/.well-known/jwks.json"


async def test_a_federated_user_shows_their_provider(cognito_pool: Pool) -> None:
    tokens = cognito_pool.federated("Google")
    found = await verifier(cognito_pool, now(), cognito_pool.jwks_url).verify(tokens.access)
    assert found.identity_provider == "Google"


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
async def test_the_verifier_refuses(arsenal: Arsenal, attack: Attack) -> None:
    check = verifier(arsenal.pool, attack.clock(arsenal), arsenal.relay.url, attack.token_use)
    token = attack.token(arsenal)
    with pytest.raises(InvalidTokenError):
        await check.verify(token)


@pytest.mark.parametrize("control", CONTROLS, ids=str)
async def test_the_controls_are_accepted(arsenal: Arsenal, control: Attack) -> None:
    check = verifier(arsenal.pool, control.clock(arsenal), arsenal.relay.url, control.token_use)
    token = control.token(arsenal)
    assert (await check.verify(token)).subject == claims_of(arsenal.user.access)["sub"]


async def test_a_rotated_key_is_fetched_and_refetches_are_one_per_10_s(arsenal: Arsenal) -> None:
    relay, clock = arsenal.relay, now()
    relay.state.extra = []  # the pool publishes only its current key
    check = verifier(arsenal.pool, clock, relay.url)
    await check.verify(arsenal.user.access)
    assert relay.state.requests == 1
    clock.advance(10)
    rotated = arsenal.signed()  # signed with the pool's next key, not published yet
    with pytest.raises(InvalidTokenError, match="unknown key id"):
        await check.verify(rotated)
    assert relay.state.requests == 2  # the unknown kid: one refetch
    for _ in range(50):
        with pytest.raises(InvalidTokenError):
            await check.verify(rotated)
    assert relay.state.requests == 2  # no more within 10 s, however many forged kids come
    relay.state.extra = [public_jwk(arsenal.trusted, TRUSTED_KID)]  # the pool rotates
    clock.advance(9.9)
    with pytest.raises(InvalidTokenError):
        await check.verify(rotated)
    assert relay.state.requests == 2
    clock.advance(0.2)
    assert (await check.verify(rotated)).owner.startswith("USER#")
    assert relay.state.requests == 3
    await check.verify(arsenal.user.access)  # the old key is still published, still cached
    assert relay.state.requests == 3


async def test_a_retired_key_is_refused_once_the_cache_renews(arsenal: Arsenal) -> None:
    relay, clock = arsenal.relay, now()
    check = verifier(arsenal.pool, clock, relay.url, max_age=timedelta(minutes=5))
    await check.verify(arsenal.user.access)
    relay.state.replace = True  # the pool now publishes only its new key
    clock.advance(timedelta(minutes=5))
    with pytest.raises(InvalidTokenError, match="unknown key id"):
        await check.verify(arsenal.user.access)
    assert (await check.verify(arsenal.signed())).subject is not None


async def test_concurrent_requests_on_a_cold_cache_fetch_once(arsenal: Arsenal) -> None:
    check = verifier(arsenal.pool, now(), arsenal.relay.url)
    found = await asyncio.gather(*(check.verify(arsenal.user.access) for _ in range(20)))
    assert {p.owner for p in found} == {f"USER#{claims_of(arsenal.user.access)['sub']}"}
    assert arsenal.relay.state.requests == 1


async def test_an_unreachable_jwks_fails_closed_then_recovers(arsenal: Arsenal) -> None:
    relay, clock = arsenal.relay, now()
    relay.state.down = True
    check = verifier(arsenal.pool, clock, relay.url)
    with pytest.raises(IdentityUnavailableError):
        await check.verify(arsenal.user.access)
    with pytest.raises(IdentityUnavailableError):
        await check.check()
    assert relay.state.requests == 1  # the outage is not hammered either
    relay.state.down = False
    with pytest.raises(IdentityUnavailableError):
        await check.verify(arsenal.user.access)  # the next fetch is due in 10 s
    clock.advance(10)
    await check.check()
    assert (await check.verify(arsenal.user.access)).subject is not None
    assert relay.state.requests == 2
    relay.state.down = True  # down again, and the cached keys grow stale: nothing is accepted
    clock.advance(timedelta(hours=1))
    with pytest.raises(IdentityUnavailableError):
        await check.verify(arsenal.signed())
    with pytest.raises(IdentityUnavailableError):
        await check.check()


async def test_nothing_listening_fails_closed(cognito_pool: Pool) -> None:
    check = verifier(cognito_pool, now(), f"http://127.0.0.1:{free_port()}/jwks.json")
    with pytest.raises(IdentityUnavailableError):
        await check.verify(cognito_pool.user().access)


@pytest.mark.parametrize(
    "document",
    [b"<html>", b"[]", b'{"keys": {}}', b'{"keys": []}',
     b'{"keys": [{"kty": "oct", "kid": "dummy", "k": "c2VjcmV0"}]}'],
    ids=["not-json", "not-an-object", "keys-not-a-list", "no-keys", "only-a-symmetric-key"],
)  # fmt: skip
async def test_a_jwks_without_an_rs256_key_fails_closed(
    cognito_pool: Pool, document: bytes
) -> None:
    async def serve(url: str) -> bytes:
        return document

    check = verifier(cognito_pool, now(), "https://unused.example", fetch=serve)
    with pytest.raises(IdentityUnavailableError):
        await check.verify(cognito_pool.user().access)


@pytest.mark.parametrize(
    ("claims", "provider"),
    [
        ({"identities": [{"providerName": "Google", "providerType": "Google", "primary": "true"}]}, "Google"),
        ({"identities": '[{"providerName": "Facebook", "primary": "true"}]'}, "Facebook"),
        ({"identities": [{"providerName": "Okta", "primary": "false"}, {"providerName": "Google", "primary": "true"}]}, "Google"),
        ({"cognito:groups": ["admins", "us-east-1_pool_Google"]}, "Google"),
        ({"username": "google_109876543210987654321"}, "Google"),
        ({"cognito:username": "signinwithapple_001968.a6ca"}, "SignInWithApple"),
        ({"username": "bob_smith"}, "COGNITO"),
        ({"cognito:groups": ["us-east-1_other_Google"], "username": "3f2a-uuid"}, "COGNITO"),
        ({"identities": "not json"}, "COGNITO"),
        ({}, "COGNITO"),
    ],
)  # fmt: skip
def test_the_identity_provider_of_a_token(claims: dict[str, object], provider: str) -> None:
    assert identity_provider(claims, "us-east-1_pool") == provider
