"""A scripted OpenAI-compatible Chat Completions server on 127.0.0.1, for the LLM adapters.

Each request takes the next scripted reply (a completion, an error status, a delay) and
is recorded with its JSON body, so tests drive the real openai client and agents code
and then check exactly what was sent. ``stream: true`` requests get server-sent events.
With a ``profile`` (``domain.schema.profiles``) the server holds each request's JSON
schema to that provider's rules and refuses a breaking one as the provider would
(``tests.support.provider_rules``), without using a scripted reply.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackServer, QuietJsonHandler
from tests.support.provider_rules import refusal


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: Any = None  # a dict is sent as JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def completion(
    content: str | None,
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    prompt_tokens: int = 100,
    completion_tokens: int = 50,
    reasoning_tokens: int = 0,
) -> Reply:
    """A chat.completion answer."""
    return Reply(
        body={
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": 1_763_700_000,
            "model": "scripted",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
            },
        }
    )


def json_completion(value: Any, **kwargs: Any) -> Reply:
    """A completion whose content is ``value`` as JSON."""
    return completion(json.dumps(value, ensure_ascii=False), **kwargs)


def slow(reply: Reply, seconds: float) -> Reply:
    """``reply``, answered after ``seconds`` (a slow provider; the client may give up first)."""
    return Reply(status=reply.status, body=reply.body, headers=reply.headers, delay=seconds)


def error(
    status: int, message: str = "scripted failure", headers: dict[str, str] | None = None
) -> Reply:
    """An API error answer."""
    return Reply(
        status=status,
        body={"error": {"message": message, "type": "scripted"}},
        headers=headers or {},
    )


class ScriptedOpenAI(LoopbackServer):
    """The server; ``script()`` queues replies, ``requests`` holds what was received
    (``headers``: each request's headers, lower-case names, in the same order)."""

    def __init__(self, profile: str | None = "grammar") -> None:
        # The provider profile it stands in for (by default an OpenAI-compatible server,
        # vLLM or Ollama); None accepts any schema.
        self.profile = profile
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        super().__init__(self._handler())

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def _next(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers or {})
            refused = refusal(self.profile, body)
            if refused is not None:
                return Reply(status=refused[0], body=refused[1])
            return self.replies.popleft() if self.replies else error(500, "nothing scripted")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(QuietJsonHandler):
            def do_POST(self) -> None:
                _, body = self.read_body()
                reply = server._next(body, {k.lower(): v for k, v in self.headers.items()})
                if reply.delay:
                    time.sleep(reply.delay)
                if body.get("stream") and reply.status == 200:
                    self._stream(reply.body)
                    return
                payload = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (a timeout test)

            def _stream(self, completion_body: dict[str, Any]) -> None:
                choice = completion_body["choices"][0]
                content = choice["message"]["content"] or ""
                chunks = [content[i : i + 40] for i in range(0, len(content), 40)] or [""]
                base = {k: completion_body[k] for k in ("id", "created", "model")}
                events = [
                    {**base, "object": "chat.completion.chunk",
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}]}
                    for piece in chunks
                ]  # fmt: skip
                events.append(
                    {**base, "object": "chat.completion.chunk",
                     "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}],
                     "usage": completion_body["usage"]}
                )  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                for event in events:
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler
