"""The model for ``bench_generation``: the scripted OpenAI-compatible server, in its own process.

Every request is answered by what it asks for (material for the Gatherer, the lesson for
the Structurer), after ``--delay`` seconds, so any number of generations can run at once.
It runs apart from the app under test so that its work never competes with the app's
event loop for the interpreter lock, and it keeps the time it spent answering (without
the delay), which the bench takes out of the app's figures (``GET /stats``).

Two defaults of the threading server would make it, not DGS, the bottleneck, so they are
changed: its listen backlog of 5 (the kernel would drop connection attempts under a burst
of 100, each retried a second later) and Nagle's algorithm (headers and body go out in two
writes, and the body would wait for the client's delayed ACK: ~40 ms per answer).

Run: ``python -m bench.generation_model --delay 1.0`` prints its base URL, then serves
until its standard input closes.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from adapters.llm.offline import sample_idm
from bench.bench_validate import build_lesson
from domain.conversion.forms import expand
from domain.generation import LessonConstraints
from tests.support.scripted_openai import Reply, ScriptedOpenAI, json_completion

BACKLOG = 512


class ModelServer(ScriptedOpenAI):
    """Answers each request by its kind; keeps no request (a bench makes thousands)."""

    def __init__(self, delay: float) -> None:
        self.busy_seconds = 0.0  # answering, the delay not counted
        self.answered = 0
        self._stats = threading.Lock()
        super().__init__(profile=None)
        self._server.socket.listen(BACKLOG)  # Linux takes the new backlog on a listening socket
        material = json_completion(sample_idm("Photosynthesis", LessonConstraints()).model_dump())
        lesson = json_completion(expand(build_lesson(50)))
        self._material = Reply(body=material.body, delay=delay)
        self._lesson = Reply(body=lesson.body, delay=delay)
        self._delay = delay

    def _next(self, body: dict[str, Any]) -> Reply:
        schema = body.get("response_format", {}).get("json_schema", {}).get("schema", {})
        return self._lesson if "blocks" in schema.get("properties", {}) else self._material

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = super()._handler()
        server = self

        class Handler(scripted):  # type: ignore[valid-type,misc]
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                started = time.perf_counter()
                super().do_POST()
                took = time.perf_counter() - started - server._delay
                with server._stats:
                    server.busy_seconds += took
                    server.answered += 1

            def do_GET(self) -> None:
                with server._stats:
                    payload = json.dumps(
                        {"busy_seconds": server.busy_seconds, "answered": server.answered}
                    ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def main() -> None:
    """Serve until the standard input closes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    server = ModelServer(args.delay)
    server.start()
    print(server.base_url, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
