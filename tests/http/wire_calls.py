"""Requests sent exactly as written: raw ASGI scopes, a real socket, Lambda Function URL events.

HTTP clients normalise what they send (httpx reads ``//v1`` as a host, drops dot segments,
re-encodes header bytes), so the path-spelling and bad-input tables go through these
instead. Each returns an ``Answer``: status, lower-case headers, body bytes.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import http.client
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

EVENTS = Path(__file__).parents[2] / "deploy" / "events"
HeaderValue = str | bytes


@dataclass(frozen=True)
class Answer:
    """One response."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _header_bytes(value: HeaderValue) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


async def call_asgi(
    app: Any,
    method: str,
    target: str,
    headers: Mapping[str, HeaderValue] | None = None,
    body: bytes = b"",
) -> Answer:
    """One request as an HTTP server hands it to the app (hypercorn: ``path`` percent-decoded)."""
    path, _, query = target.partition("?")
    raw_headers = [(b"host", b"testserver")]
    raw_headers += [(k.lower().encode(), _header_bytes(v)) for k, v in (headers or {}).items()]
    if body:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path),  # as hypercorn: unquote(raw_path.decode("ascii"))
        "raw_path": path.encode("ascii"),
        "root_path": "",
        "query_string": query.encode("ascii"),
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(0)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    return Answer(
        start["status"],
        {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])},
        b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body"),
    )


def call_socket(
    port: int,
    method: str,
    target: str,
    headers: Mapping[str, HeaderValue] | None = None,
    body: bytes | None = None,
) -> Answer:
    """One request over a real TCP connection, the request target sent verbatim."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, _header_bytes(value))
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


def sample_event(name: str, lesson_id: str | None = None) -> dict[str, Any]:
    """A Function URL event of ``deploy/events`` (its sample lesson id replaced)."""
    text = (EVENTS / f"{name}.json").read_text()
    if lesson_id:
        text = text.replace("00000000-0000-4000-8000-000000000000", lesson_id)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def function_url_event(
    method: str,
    target: str,
    headers: Mapping[str, HeaderValue] | None = None,
    body: bytes | None = None,
) -> dict[str, Any]:
    """A Function URL (payload 2.0) event for this request, shaped as ``deploy/events``."""
    path, _, query = target.partition("?")
    event = copy.deepcopy(sample_event("health"))
    event["rawPath"] = path
    event["rawQueryString"] = query
    event["requestContext"]["http"].update(method=method, path=path)
    event["headers"] = {
        "host": event["headers"]["host"],
        **{
            k.lower(): v.decode("latin-1") if isinstance(v, bytes) else v
            for k, v in (headers or {}).items()
        },
    }
    if body is not None:  # bytes exactly: a Function URL base64-encodes binary bodies
        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
    return event


def call_lambda(module: Any, event: dict[str, Any]) -> Answer:
    """Invoke the handler of an imported ``entrypoints.lambda_handler``."""
    result = module.handler(event, None)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return Answer(
        result["statusCode"], {k.lower(): v for k, v in result.get("headers", {}).items()}, raw
    )
