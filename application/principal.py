"""Who is calling: the identity the edge proved, in terms the use cases can take.

The edge authenticates each request (the dev key or a bearer token) and hands on a
``Principal``. Its ``owner`` is the partition the caller's data belongs to: ``USER#{sub}``
for a signed-in user (the specification's DynamoDB key) and the single tenant
``TENANT#default`` for the dev key, which serves local development and tests only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AuthMode = Literal["dev-key", "cognito", "both"]  # DGS_AUTH_MODE
AuthMethod = Literal["dev-key", "access-token", "id-token"]  # how a principal was proven
DEV_TENANT = "TENANT#default"
USER_PREFIX = "USER#"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. Token claims are ``None`` when the token did not carry them."""

    owner: str
    method: AuthMethod
    subject: str | None = None  # the token's ``sub``
    email: str | None = None
    name: str | None = None
    identity_provider: str | None = None  # e.g. "Google"; "COGNITO" for a pool's own user

    @classmethod
    def dev_tenant(cls) -> Principal:
        """The caller holding the dev key: the single local tenant."""
        return cls(owner=DEV_TENANT, method="dev-key")

    @classmethod
    def user(
        cls,
        subject: str,
        method: AuthMethod,
        *,
        email: str | None = None,
        name: str | None = None,
        identity_provider: str | None = None,
    ) -> Principal:
        """A user proven by a token: its data is partitioned by the token's subject."""
        return cls(
            owner=f"{USER_PREFIX}{subject}",
            method=method,
            subject=subject,
            email=email,
            name=name,
            identity_provider=identity_provider,
        )
