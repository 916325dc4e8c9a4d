"""Bearer-token verification: the port the HTTP edge and the readiness check use."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from application.errors import ApplicationError
from application.principal import Principal


class InvalidTokenError(ApplicationError):
    """The token is refused (malformed, wrong signature, issuer, client or use, expired...).

    ``reason`` says why, for the log only: clients get the stable code, nothing more.
    """

    code = "invalid_token"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityUnavailableError(ApplicationError):
    """The issuer's signing keys cannot be had (JWKS unreachable): no token is accepted."""

    code = "identity_unavailable"


@runtime_checkable
class TokenVerifier(Protocol):
    """Turns a bearer token into the principal it proves, or refuses it."""

    async def verify(self, token: str) -> Principal:
        """The token's principal.

        Raises ``InvalidTokenError`` for a token that does not verify, and
        ``IdentityUnavailableError`` when it cannot be checked at all (fail closed).
        """
        ...

    async def check(self) -> None:
        """For readiness: raises ``IdentityUnavailableError`` when tokens cannot be verified."""
        ...
