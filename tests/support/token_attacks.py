"""The tokens DGS must refuse, as one table run against the verifier, the API and Lambda.

Each ``Attack`` builds its token from an ``Arsenal``: a signed-in user of the test pool,
a second pool, a second app client, a key the pool trusts (published by the test's JWKS
relay as kid "rotated", so claims can be forged exactly), a 1024-bit key it also
publishes, and an attacker's key. ``at`` sets the verifier's clock (only where a fake
clock can be injected; every other case holds at the real time).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.cognito import (
    CognitoIdp,
    JwksRelay,
    Pool,
    Tokens,
    claims_of,
    forge,
    hs256_with_public_key,
    public_jwk,
    public_pem_of,
    tamper_claims,
    tamper_signature,
    unsigned,
)
from tests.support.fakes import FakeClock

TRUSTED_KID = "rotated"
WEAK_KID = "weak"
LEEWAY = 30


@dataclass
class Arsenal:
    """What an attacker (or a confused client) has to work with."""

    pool: Pool
    user: Tokens  # a signed-in user of ``pool`` (by its app client)
    other_pool_user: Tokens  # a user of another pool, same region, same moto key
    other_client_user: Tokens  # the same pool, another app client
    trusted: rsa.RSAPrivateKey  # published by the relay: signs exactly what a test wants
    weak: rsa.RSAPrivateKey  # 1024 bits, also published
    attacker: rsa.RSAPrivateKey  # published nowhere
    relay: JwksRelay

    def claims(self, kind: str = "access", **changes: Any) -> dict[str, Any]:
        """Valid claims of this pool's user's ``kind`` of token (``None`` removes a claim)."""
        base = claims_of(self.user.access if kind == "access" else self.user.id)
        now = int(time.time())
        merged = {**base, "iat": now, "auth_time": now, "exp": now + 3600, **changes}
        return {k: v for k, v in merged.items() if v is not None}

    def signed(self, kind: str = "access", **changes: Any) -> str:
        """Claims signed with the trusted key: valid unless ``changes`` break them."""
        return forge(self.claims(kind, **changes), self.trusted, kid=TRUSTED_KID)

    def public_pem(self) -> bytes:
        return public_pem_of(self.pool.jwks_url)


def arm(idp: CognitoIdp, keys: dict[str, rsa.RSAPrivateKey]) -> Arsenal:
    """A pool with a signed-in user, and all the rest; the relay publishes the trusted and
    weak keys besides the pool's. Tokens last an hour: made once per test session."""
    pool, other_pool = idp.pool(), idp.pool()
    published = [public_jwk(keys["trusted"], TRUSTED_KID), public_jwk(keys["weak"], WEAK_KID)]
    relay = JwksRelay(pool.jwks_url, published)
    other_client = pool.new_client()
    username = "victim"
    pool.sign_up(username, email="ada@example.org", name="Ada Lovelace")
    other_pool.sign_up(username)
    return Arsenal(
        pool, pool.sign_in(username), other_pool.sign_in(username),
        pool.sign_in(username, client_id=other_client),
        keys["trusted"], keys["weak"], keys["attacker"], relay,
    )  # fmt: skip


@dataclass(frozen=True)
class Attack:
    """One refused token."""

    id: str
    token: Callable[[Arsenal], str]
    # When it is checked: None now; else this many seconds after the user signed in (the
    # iat of their tokens), which needs a clock the test controls.
    at: float | None = None
    token_use: str = "access"  # the DGS_COGNITO_TOKEN_USE it is sent to

    def __str__(self) -> str:
        return self.id

    def clock(self, arsenal: Arsenal) -> FakeClock:
        """The verifier's clock for this case."""
        if self.at is None:
            return FakeClock(datetime.now(UTC))
        signed_in = claims_of(arsenal.user.access)["iat"]
        return FakeClock(datetime.fromtimestamp(signed_in + self.at, UTC))


def _with_header(token: str, header_b64: str) -> str:
    return header_b64 + token[token.index(".") :]


ATTACKS = [
    # not a JWT at all
    Attack("malformed", lambda a: "not-a-jwt"),
    Attack("two-segments", lambda a: a.user.access.rsplit(".", 1)[0]),
    Attack("empty-header", lambda a: "e30." + a.user.access.split(".", 1)[1]),  # {} : no alg
    Attack("refresh-token-sent", lambda a: a.user.refresh),  # opaque, not a JWT
    Attack("too-long", lambda a: a.signed(padding="x" * 9000)),
    # algorithm swaps (RFC 8725 section 2.1)
    Attack("alg-none", lambda a: unsigned(a.claims())),
    Attack(
        "alg-none-keeps-signature", lambda a: unsigned(a.claims()) + a.user.access.rsplit(".", 1)[1]
    ),
    Attack("hs256-with-public-key", lambda a: hs256_with_public_key(a.claims(), a.public_pem())),
    Attack("rs384-with-trusted-key", lambda a: forge(a.claims(), a.trusted, TRUSTED_KID, "RS384")),
    Attack("ps256-with-trusted-key", lambda a: forge(a.claims(), a.trusted, TRUSTED_KID, "PS256")),
    # signatures and keys
    Attack("tampered-signature", lambda a: tamper_signature(a.user.access)),
    Attack(
        "tampered-sub",
        lambda a: tamper_claims(a.user.access, sub=claims_of(a.other_pool_user.access)["sub"]),
    ),
    Attack(
        "tampered-exp",
        lambda a: tamper_claims(a.user.access, exp=claims_of(a.user.access)["exp"] + 86400),
    ),
    Attack("attacker-key-same-kid", lambda a: forge(a.claims(), a.attacker, "dummy")),
    Attack("attacker-key-unknown-kid", lambda a: forge(a.claims(), a.attacker, "attacker")),
    Attack("no-kid", lambda a: forge(a.claims(), a.trusted, "")),
    Attack("weak-published-key", lambda a: forge(a.claims(), a.weak, WEAK_KID)),
    # issuer, client and use
    Attack("another-pool", lambda a: a.other_pool_user.access),
    Attack("another-client", lambda a: a.other_client_user.access),
    Attack("id-token-as-access", lambda a: a.user.id),
    Attack("access-token-as-id", lambda a: a.user.access, token_use="id"),
    Attack("id-token-another-client", lambda a: a.other_client_user.id, token_use="id"),
    Attack("id-token-another-pool", lambda a: a.other_pool_user.id, token_use="id"),
    Attack(
        "id-token-aud-list", lambda a: a.signed("id", aud=[a.pool.client_id, "x"]), token_use="id"
    ),
    Attack("iss-lookalike", lambda a: a.signed(iss=a.pool.issuer + "/")),
    Attack("iss-http", lambda a: a.signed(iss=a.pool.issuer.replace("https", "http"))),
    Attack("no-token-use", lambda a: a.signed(token_use=None)),
    Attack("token-use-id-with-client-id", lambda a: a.signed(token_use="id")),
    Attack(
        "id-claims-token-use-access", lambda a: a.signed("id", token_use="access"), token_use="id"
    ),
    Attack("no-client-id", lambda a: a.signed(client_id=None)),
    Attack("no-sub", lambda a: a.signed(sub=None)),
    Attack("sub-not-a-subject", lambda a: a.signed(sub="../x y")),
    # lifetime
    Attack("expired", lambda a: a.user.access, at=3600 + LEEWAY + 1),
    Attack("expired-signed", lambda a: a.signed(exp=int(time.time()) - LEEWAY - 5)),
    Attack("issued-in-the-future", lambda a: a.user.access, at=-(LEEWAY + 60)),
    Attack("iat-future-signed", lambda a: a.signed(iat=int(time.time()) + LEEWAY + 60)),
    Attack("not-yet-valid", lambda a: a.signed(nbf=int(time.time()) + LEEWAY + 60)),
    Attack("no-exp", lambda a: a.signed(exp=None)),
    Attack("exp-not-a-number", lambda a: a.signed(exp="tomorrow")),
]
# Tokens the same helpers build that must be ACCEPTED: the refusals above are each caused
# by the one thing the attack changes, not by the helpers.
CONTROLS = [
    Attack("moto-access-token", lambda a: a.user.access),
    Attack("trusted-key-access-token", lambda a: a.signed()),
    Attack("moto-id-token", lambda a: a.user.id, token_use="id"),
    Attack("expiry-within-leeway", lambda a: a.user.access, at=3600 + LEEWAY - 2),
]
