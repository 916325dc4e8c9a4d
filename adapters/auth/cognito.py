"""Cognito user pool tokens, verified with PyJWT (the ``TokenVerifier`` port).

The checks follow AWS's "Verifying a JSON web token" (Cognito developer guide): the
signature with the pool's JWKS key named by ``kid``, ``iss`` equal to the pool's issuer,
``token_use`` as configured, ``client_id`` (access token) or ``aud`` (id token) equal to
the app client, and the token's lifetime. Only RS256 is accepted, fixed here and never
taken from the token (RFC 8725 sections 2.1 and 3.1): ``none``, HS256 signed with the
public key and every other algorithm are refused before any key is looked up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import jwt

from adapters.auth.claims import principal_from_claims
from adapters.auth.jwks import JwksCache
from application.ports.clock import Clock
from application.ports.identity import InvalidTokenError
from application.principal import Principal

ALGORITHM = "RS256"
LEEWAY = timedelta(seconds=30)  # clock skew allowed on exp, nbf and iat
MAX_TOKEN_CHARS = 8192  # Cognito tokens are 1-2 KB; request heads are capped at 16 KiB
# Cognito subjects are UUIDs; this bounds what can become an owner key (USER#{sub}).
_SUBJECT = re.compile(r"[A-Za-z0-9._:@-]{1,128}")


@dataclass(frozen=True, slots=True)
class CognitoConfig:
    """Which pool and app client issue the accepted tokens."""

    region: str
    user_pool_id: str
    client_id: str
    token_use: Literal["access", "id"] = "access"
    jwks_url: str | None = None  # default: the issuer's /.well-known/jwks.json

    @property
    def issuer(self) -> str:
        """The pool's ``iss``: https://cognito-idp.{region}.amazonaws.com/{pool id}."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def keys_url(self) -> str:
        """Where the pool publishes its signing keys."""
        return self.jwks_url or f"{self.issuer}/.well-known/jwks.json"


class CognitoTokenVerifier:
    """Access or id tokens of one user pool and app client."""

    def __init__(self, config: CognitoConfig, keys: JwksCache, clock: Clock) -> None:
        self._config = config
        self._keys = keys
        self._clock = clock

    async def verify(self, token: str) -> Principal:
        """The token's principal, or ``InvalidTokenError`` / ``IdentityUnavailableError``."""
        key = await self._keys.key(_key_id(token))
        claims = self._decode(token, key)
        self._check_use_and_client(claims)
        self._check_lifetime(claims)
        subject = claims["sub"]
        if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
            raise InvalidTokenError("sub is not a Cognito subject")
        return principal_from_claims(claims, self._config.token_use, self._config.user_pool_id)

    async def check(self) -> None:
        """Raises ``IdentityUnavailableError`` when the pool's keys cannot be had."""
        await self._keys.check()

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        """Signature, issuer, audience (id tokens) and the claims every token must carry."""
        config = self._config
        is_id = config.token_use == "id"
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=config.issuer,
                audience=config.client_id if is_id else None,
                options={
                    # The lifetime is checked against the injected clock (_check_lifetime).
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": is_id,  # access tokens carry client_id instead of aud
                    "strict_aud": True,
                    "enforce_minimum_key_length": True,  # NIST SP 800-131A: RSA >= 2048
                    "require": ["iss", "sub", "exp", "iat", "token_use"]
                    + (["aud"] if is_id else ["client_id"]),
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(f"{type(exc).__name__}: {exc}") from None

    def _check_use_and_client(self, claims: dict[str, Any]) -> None:
        config = self._config
        if claims["token_use"] != config.token_use:
            raise InvalidTokenError(
                f"token_use {claims['token_use']!r}, expected {config.token_use!r}"
            )
        if config.token_use == "access" and claims["client_id"] != config.client_id:
            raise InvalidTokenError("client_id is not the configured app client")

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        now = self._clock.now().timestamp()
        leeway = LEEWAY.total_seconds()
        expires, issued = _instant(claims, "exp"), _instant(claims, "iat")
        not_before = _instant(claims, "nbf") if "nbf" in claims else None
        if now >= expires + leeway:
            raise InvalidTokenError(f"expired {now - expires:.0f} s ago")
        if not_before is not None and now + leeway < not_before:
            raise InvalidTokenError(f"not valid for another {not_before - now:.0f} s (nbf)")
        if issued > now + leeway:
            raise InvalidTokenError(f"issued {issued - now:.0f} s in the future (iat)")


def _key_id(token: str) -> str:
    """The ``kid`` of a token whose header names RS256; refuses anything else unread."""
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidTokenError(f"longer than {MAX_TOKEN_CHARS} characters")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(f"malformed: {exc}") from None
    algorithm = header.get("alg")
    if algorithm != ALGORITHM:
        raise InvalidTokenError(f"alg {str(algorithm)[:16]!r} refused: only {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidTokenError("the header names no key (kid)")
    return kid


def _instant(claims: dict[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidTokenError(f"{name} is not a NumericDate")
    return float(value)
