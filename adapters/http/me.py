"""``GET /v1/me``: who the caller is, as the edge authenticated them."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from msgspec import Struct

from adapters.http.authn import principal_of
from adapters.http.responses import problems
from application.principal import AuthMethod


class Me(Struct, kw_only=True):
    """The caller; a claim the token did not carry is ``null``.

    An access token (the default) carries no email or name; an id token carries those its
    app client may read. The dev key has no user behind it: everything but
    ``authenticated_by`` is ``null``.
    """

    sub: str | None
    email: str | None
    name: str | None
    identity_provider: str | None  # e.g. "Google"; "COGNITO" for a user of the pool itself
    authenticated_by: AuthMethod  # "access-token", "id-token" or "dev-key"


@get("/v1/me", responses=problems(401), summary="The caller")
async def me(request: Request[Any, Any, Any]) -> Me:
    """The caller's identity: the token's subject, email, name and identity provider."""
    principal = principal_of(request.scope)
    return Me(
        sub=principal.subject,
        email=principal.email,
        name=principal.name,
        identity_provider=principal.identity_provider,
        authenticated_by=principal.method,
    )


ME_ROUTES = [me]
