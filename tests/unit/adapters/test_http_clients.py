"""Who is asking: the address rate limits count, and the identity request logs hash."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.http.authn import PRINCIPAL
from adapters.http.clients import client_address, client_identity
from adapters.http.config import HttpConfig
from application.principal import Principal

BEHIND_PROXY = HttpConfig(trusted_proxy_header="X-Forwarded-For", trusted_proxy_hops=1)


def scope(*forwarded: str, principal: Principal | None = None) -> dict[str, Any]:
    return {
        "headers": [(b"x-forwarded-for", line.encode()) for line in forwarded],
        "client": ("10.0.0.9", 4321),
        "state": {PRINCIPAL: principal} if principal else {},
    }


@pytest.mark.parametrize(
    ("config", "lines", "expected"),
    [
        (HttpConfig(), ("1.1.1.1",), "10.0.0.9"),  # no trusted header: the socket peer
        (BEHIND_PROXY, ("6.6.6.6, 1.1.1.1",), "1.1.1.1"),  # the proxy appended the last
        (BEHIND_PROXY, ("6.6.6.6", "1.1.1.1"), "1.1.1.1"),  # two lines read as one list
        (
            HttpConfig(trusted_proxy_header="x-forwarded-for", trusted_proxy_hops=2),
            ("6.6.6.6, 2.2.2.2", "1.1.1.1"),
            "2.2.2.2",
        ),
        (BEHIND_PROXY, (), "10.0.0.9"),  # no header: the peer
    ],
)
def test_the_address_is_the_one_the_trusted_proxies_saw(
    config: HttpConfig, lines: tuple[str, ...], expected: str
) -> None:
    assert client_address(scope(*lines), config) == expected


def test_a_signed_in_user_is_one_identity_wherever_they_call_from() -> None:
    ada = Principal.user("ada-sub", "access-token")
    grace = Principal.user("grace-sub", "access-token")
    assert client_identity(scope("1.1.1.1", principal=ada), BEHIND_PROXY) == "USER#ada-sub"
    assert client_identity(scope("2.2.2.2", principal=ada), BEHIND_PROXY) == "USER#ada-sub"
    assert client_identity(scope("1.1.1.1", principal=grace), BEHIND_PROXY) == "USER#grace-sub"


def test_dev_key_callers_share_a_tenant_so_their_address_tells_them_apart() -> None:
    tenant = Principal.dev_tenant()
    assert client_identity(scope("1.1.1.1", principal=tenant), BEHIND_PROXY) == "1.1.1.1"
    assert client_identity(scope("2.2.2.2", principal=tenant), BEHIND_PROXY) == "2.2.2.2"
    assert client_identity(scope("3.3.3.3"), BEHIND_PROXY) == "3.3.3.3"  # refused: no principal
