"""Who is calling: the dev key or a bearer token, per ``DGS_AUTH_MODE``.

The edge calls ``Authenticator.authenticate`` for every non-public path and puts the
resulting ``Principal`` on the request scope (``principal_of`` reads it back), or answers
401 with the ``Refusal``. A refusal's reason is for the log only; the client gets a
stable code (``unauthorized``: no usable credential; ``invalid_token``: a token that was
not accepted, whatever the reason) and the ``WWW-Authenticate`` challenge of the mode.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any

from adapters.http.problems import HttpProblem
from application.ports.identity import (
    IdentityUnavailableError,
    InvalidTokenError,
    TokenVerifier,
)
from application.principal import AuthMode, Principal

PRINCIPAL = "principal"  # the key of the request scope's state
DEV_KEY_CHALLENGE = "DGS-Dev-Key"
# RFC 6750 section 3: a refused or missing bearer token is answered with this challenge.
BEARER_CHALLENGE = 'Bearer error="invalid_token"'
# RFC 6750 section 2.1: "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110
# section 11.1).
_BEARER = re.compile(r"(?i:bearer) +([A-Za-z0-9\-._~+/]+=*)")
_BEARER_SCHEME = re.compile(r"(?i:bearer)(?: |$)")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is not authenticated: its code and detail, and the reason to log."""

    code: str
    detail: str
    challenge: str
    reason: str


class Authenticator:
    """Checks the credential each mode accepts: the dev key, a token, or either one."""

    def __init__(
        self, mode: AuthMode, dev_key: str | None = None, verifier: TokenVerifier | None = None
    ) -> None:
        if mode != "cognito" and not dev_key:
            raise ValueError("the dev key must not be empty: DGS never runs open")
        if mode != "dev-key" and verifier is None:
            raise ValueError(f"DGS_AUTH_MODE={mode} needs a token verifier")
        self._mode = mode
        self._key = (dev_key or "").encode()
        self._verifier = verifier
        challenges = {
            "dev-key": DEV_KEY_CHALLENGE,
            "cognito": BEARER_CHALLENGE,
            "both": f"{BEARER_CHALLENGE}, {DEV_KEY_CHALLENGE}",  # RFC 9110 section 11.6.1
        }
        self._missing_challenge = challenges[mode]

    async def authenticate(
        self, dev_key: str | None, authorization: str | None
    ) -> Principal | Refusal:
        """The principal the request's credentials prove, or why not."""
        if self._mode == "dev-key" or (self._mode == "both" and dev_key is not None):
            if self._mode == "both" and authorization is not None:
                return self._refuse("unauthorized", "dev key and Authorization both sent")
            return self._dev_key(dev_key)
        if authorization is None or not _BEARER_SCHEME.match(authorization):
            return self._refuse("unauthorized", "no bearer token")
        if (found := _BEARER.fullmatch(authorization)) is None:
            return self._refuse_token("the Authorization value is not 'Bearer <token>'")
        assert self._verifier is not None  # the constructor checked it for these modes
        try:
            return await self._verifier.verify(found[1])
        except InvalidTokenError as exc:
            return self._refuse_token(exc.reason)
        except IdentityUnavailableError as exc:  # fail closed: never accept unverified
            return self._refuse_token(f"cannot verify: {exc}")

    def _dev_key(self, given: str | None) -> Principal | Refusal:
        if given and hmac.compare_digest(given.encode(), self._key):
            return Principal.dev_tenant()
        return Refusal(
            "unauthorized",
            "a valid x-dgs-dev-key header is required",
            DEV_KEY_CHALLENGE,
            "missing or wrong dev key",
        )

    def _refuse(self, code: str, reason: str) -> Refusal:
        detail = {
            "dev-key": "a valid x-dgs-dev-key header is required",
            "cognito": "a bearer token is required (Authorization: Bearer <token>)",
            "both": "send a bearer token or the x-dgs-dev-key header (one of them)",
        }[self._mode]
        return Refusal(code, detail, self._missing_challenge, reason)

    def _refuse_token(self, reason: str) -> Refusal:
        return Refusal(
            "invalid_token", "the bearer token was not accepted", BEARER_CHALLENGE, reason
        )


def principal_of(scope: Any) -> Principal:
    """The principal the edge put on this request (every non-public route has one)."""
    principal = scope.get("state", {}).get(PRINCIPAL)
    if not isinstance(principal, Principal):
        raise HttpProblem(401, "unauthorized", "this request is not authenticated")
    return principal
