"""The HTTP transport under the OpenAI clients: httpx's, with a cheap probe of idle sockets.

On every request it sends and every response it closes, httpcore's pool looks at each of
its idle connections (``_assign_requests_to_connections``): one whose socket is readable
while no request is on it was closed by the server, and is dropped. Through anyio, the
question ("is_readable") first builds the stream's whole table of socket attributes
(~6 us) for a poll that takes ~0.5 us, and the pool asks it of every idle connection each
time: with a hundred generations in flight, some 11,000 probes and ~0.15 s of the event
loop per burst. The streams here keep their socket and poll it themselves; everything
else is anyio's, and the transport and its pool are httpx's and httpcore's own (request
conversion, error mapping, TLS, limits), the pool connecting through these streams.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore2
import httpx2  # the HTTP library this openai SDK is built on


def pooled_transport(limits: httpx2.Limits) -> httpx2.AsyncHTTPTransport:
    """The transport httpx makes with ``limits``, its pool connecting through ``ProbedBackend``.

    httpx passes no network backend to the pool it builds, so the pool's is replaced
    (before any connection: it is only used to connect). ``tests/integration/
    test_llm_connections.py`` fails if either library renames what this sets.
    """
    transport = httpx2.AsyncHTTPTransport(limits=limits)
    transport._pool._network_backend = ProbedBackend()
    return transport


def socket_readable(sock: socket.socket | None) -> bool:
    """Whether a read would not wait: data, or the end of the stream (as httpcore asks it).

    A socket without a file descriptor counts as readable (a read would end it).
    """
    descriptor = -1 if sock is None else sock.fileno()
    if descriptor < 0:
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    return bool(poller.poll(0))


class ProbedStream(httpcore2.AsyncNetworkStream):
    """An anyio stream that answers "is_readable" from the socket it keeps."""

    def __init__(self, inner: httpcore2.AsyncNetworkStream) -> None:
        self._inner = inner
        # The TCP socket, under TLS too (anyio's TLS stream passes the question down).
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read, as anyio's stream does."""
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write, as anyio's stream does."""
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        """Close, as anyio's stream does."""
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        """The TLS stream over this one, probed the same way."""
        return ProbedStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        """``is_readable`` from the socket; anything else from anyio's stream."""
        if info == "is_readable":
            return socket_readable(self._socket)
        return self._inner.get_extra_info(info)


class ProbedBackend(httpcore2.AsyncNetworkBackend):
    """anyio's network backend (httpcore's own on asyncio), its streams ``ProbedStream``."""

    def __init__(self) -> None:
        self._inner = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        """A TCP connection, as anyio makes it."""
        stream = await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return ProbedStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        """A Unix socket connection, as anyio makes it."""
        stream = await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return ProbedStream(stream)

    async def sleep(self, seconds: float) -> None:
        """Sleep, as anyio does."""
        await self._inner.sleep(seconds)
