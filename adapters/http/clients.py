"""Who is asking: the address rate limits count, and the identity request logs hash."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from adapters.http.authn import PRINCIPAL
from adapters.http.config import HttpConfig
from application.principal import Principal

_MAX_CLIENT_LENGTH = 100  # an IPv6 address with a zone fits many times over


def client_address(scope: Mapping[str, object], config: HttpConfig) -> str:
    """The socket peer, or the address our proxies saw.

    Each proxy appends the address it received the request from (X-Forwarded-For; RFC
    7239 section 5.2 for Forwarded), and a client may write anything before that. So
    the client is the ``trusted_proxy_hops``-th address from the right of the list that
    every line of the header makes, joined in order (RFC 9110 section 5.3). A shorter
    list is not what our proxies write: the socket peer (the proxy) counts instead.
    """
    if config.trusted_proxy_header:
        wanted = config.trusted_proxy_header.lower().encode("latin-1")
        lines = [
            value.decode("latin-1")
            for name, value in cast("Iterable[tuple[bytes, bytes]]", scope.get("headers", ()))
            if name.lower() == wanted
        ]
        addresses = [a.strip() for a in ",".join(lines).split(",") if a.strip()]
        if len(addresses) >= config.trusted_proxy_hops:
            # Bounded: a misconfigured proxy must not let a client pick a huge store key.
            return addresses[-config.trusted_proxy_hops][:_MAX_CLIENT_LENGTH]
    client = cast("tuple[str, int] | None", scope.get("client"))
    return str(client[0]) if client else "unknown"


def client_identity(scope: Mapping[str, object], config: HttpConfig) -> str:
    """The signed-in user when a token proved one, else the client's address.

    The dev key is one shared tenant: its callers are told apart by address.
    """
    state = cast("dict[str, Any]", scope.get("state") or {})
    principal: Principal | None = state.get(PRINCIPAL)
    if principal is not None and principal.method != "dev-key":
        return principal.owner
    return client_address(scope, config)
