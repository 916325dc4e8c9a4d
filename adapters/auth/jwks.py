"""The user pool's signing keys (its JWKS), fetched over HTTPS and cached.

Keys are kept for ``max_age`` after a successful fetch. A token naming an unknown key id
(the pool rotated its keys) triggers a fetch, but fetches are at most one per
``refetch_interval`` whatever their cause, so a flood of forged key ids cannot turn into
a flood of requests to the issuer. No usable keys (the JWKS unreachable, or its keys
stale) means no token is accepted: verification fails closed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import jwt

from adapters.loop_lock import LoopLock
from application.ports.clock import Clock
from application.ports.identity import IdentityUnavailableError, InvalidTokenError

log = logging.getLogger("dgs.auth")
JWKS_MAX_AGE = timedelta(hours=1)
REFETCH_INTERVAL = timedelta(seconds=10)
FETCH_TIMEOUT_SECONDS = 3.0
MAX_JWKS_BYTES = 64 * 1024  # a pool publishes two keys, about 1 KB
MIN_RSA_BITS = 2048  # Cognito signs with RSA-2048; anything weaker is not its key

JwksFetcher = Callable[[str], Awaitable[bytes]]


async def fetch_over_http(url: str) -> bytes:
    """The JWKS document at ``url``; ``IdentityUnavailableError`` when it cannot be had."""
    import httpx2  # only in the modes that verify tokens

    try:
        async with httpx2.AsyncClient(
            timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False
        ) as client:
            response = await client.get(url, headers={"accept": "application/json"})
    except (httpx2.HTTPError, OSError) as exc:
        raise IdentityUnavailableError(f"cannot fetch the JWKS: {exc!r}") from exc
    if response.status_code != 200:
        raise IdentityUnavailableError(f"the JWKS answered HTTP {response.status_code}")
    if len(response.content) > MAX_JWKS_BYTES:
        raise IdentityUnavailableError(f"the JWKS is larger than {MAX_JWKS_BYTES} bytes")
    return response.content


def signing_keys(document: bytes) -> dict[str, Any]:
    """The RS256 signature keys of a JWKS document (RFC 7517), by key id.

    Keys of another type, algorithm or use, and RSA keys under 2048 bits, are left out.
    """
    try:
        keys = json.loads(document).get("keys")
    except (ValueError, AttributeError) as exc:
        raise IdentityUnavailableError("the JWKS is not a JSON object") from exc
    if not isinstance(keys, list):
        raise IdentityUnavailableError("the JWKS has no 'keys' list")
    found: dict[str, Any] = {}
    for entry in keys:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("kty") != "RSA" or entry.get("alg", "RS256") != "RS256":
            continue
        if entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(entry, algorithm="RS256").key
        except jwt.PyJWTError:
            continue
        if getattr(key, "key_size", 0) >= MIN_RSA_BITS:
            found[entry["kid"]] = key
    if not found:
        raise IdentityUnavailableError("the JWKS holds no RS256 signature key")
    return found


class JwksCache:
    """The pool's public keys by key id, fetched when needed (see the module's rules)."""

    def __init__(
        self,
        url: str,
        clock: Clock,
        fetch: JwksFetcher = fetch_over_http,
        max_age: timedelta = JWKS_MAX_AGE,
        refetch_interval: timedelta = REFETCH_INTERVAL,
    ) -> None:
        self._url = url
        self._clock = clock
        self._fetch = fetch
        self._max_age = max_age
        self._refetch_interval = refetch_interval
        self._keys: dict[str, Any] = {}
        self._fetched_at: datetime | None = None
        self._attempted_at: datetime | None = None
        self._lock = LoopLock()

    async def key(self, kid: str) -> Any:
        """The public key ``kid`` names.

        Raises ``InvalidTokenError`` for a key id the issuer does not publish, and
        ``IdentityUnavailableError`` when no fresh keys can be had.
        """
        if self._fresh() and kid in self._keys:
            return self._keys[kid]
        async with self._lock():  # one fetch at a time; the others use its result
            if not (self._fresh() and kid in self._keys) and self._may_fetch():
                await self._refresh()
        if not self._fresh():
            raise IdentityUnavailableError("no fresh signing keys: the JWKS could not be fetched")
        if kid not in self._keys:
            raise InvalidTokenError(f"unknown key id {kid[:64]!r}")
        return self._keys[kid]

    async def check(self) -> None:
        """Raises ``IdentityUnavailableError`` unless fresh keys are held (fetching if due)."""
        if self._fresh():
            return
        async with self._lock():
            if not self._fresh() and self._may_fetch():
                await self._refresh()
        if not self._fresh():
            raise IdentityUnavailableError("no fresh signing keys: the JWKS could not be fetched")

    def _fresh(self) -> bool:
        if self._fetched_at is None:
            return False
        age = self._clock.now() - self._fetched_at
        return timedelta(0) <= age < self._max_age  # a clock set back: refetch

    def _may_fetch(self) -> bool:
        if self._attempted_at is None:
            return True
        since = self._clock.now() - self._attempted_at
        return not timedelta(0) <= since < self._refetch_interval

    async def _refresh(self) -> None:
        attempted_at = self._attempted_at = self._clock.now()
        try:
            keys = signing_keys(await self._fetch(self._url))
        except IdentityUnavailableError as exc:
            log.warning("JWKS %s: %s (tokens are refused until it answers)", self._url, exc)
            return
        self._keys, self._fetched_at = keys, attempted_at
