"""A deadline for reading a whole request body, whatever the pace of its bytes.

The server's read timeout (hypercorn's ``read_timeout``) is per read: a client that sends
one byte just often enough keeps a connection and a worker busy for as long as it likes
(8 KiB at one byte every 2 s is over four hours). This layer bounds the whole body: once
the app starts reading it, the last byte must arrive within ``seconds``, or the request
is refused with 408 ``request_timeout`` (RFC 9110 section 15.5.9) before any work is done.
Bodies that arrive at once (every Lambda event) never wait.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from adapters.http.problems import HttpProblem

ASGIApp = Any  # any ASGI callable: the middleware only forwards


class BodyDeadline:
    """Wraps an ASGI app: ``http.request`` messages must all arrive within ``seconds``."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Handle one ASGI event."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline: float | None = None
        body_done = False

        async def receive_in_time() -> Any:
            nonlocal deadline, body_done
            if body_done:  # after the body, only a disconnect can come: wait as asked
                return await receive()
            if deadline is None:
                deadline = time.monotonic() + self.seconds
            try:
                message = await asyncio.wait_for(receive(), deadline - time.monotonic())
            except TimeoutError:
                raise HttpProblem(
                    408,
                    "request_timeout",
                    f"the request body did not arrive within {self.seconds:g} s",
                    {"Connection": "close"},
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, receive_in_time, send)
