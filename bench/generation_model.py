"""The model for ``bench_generation``: an OpenAI-compatible Chat Completions server, scripted.

Every request is answered by what it asks for (the material for the Gatherer, a 50-widget
lesson for the Structurer: the replies of ``tests.support.scripted_openai``), after
``--delay`` seconds, so any number of generations can run at once. It keeps the time it
spent answering (the delays not counted), which the bench takes out of the app's figures
(``GET /stats``).

It must not be what the bench measures. It runs in its own process (its work never
competes with the app's event loop for the interpreter lock), and it serves from one
asyncio loop: the test suite's threaded server (a thread per connection, the interpreter
lock shared by a hundred of them) took ~1.3 s to answer a burst of 100 calls of 1 s.

Run: ``python -m bench.generation_model --delay 1.0`` prints its base URL, then serves
until its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from adapters.llm.offline import sample_idm
from bench.bench_validate import build_lesson
from domain.conversion.forms import expand
from domain.generation import LessonConstraints
from tests.support.scripted_openai import json_completion

BACKLOG = 512


def _answer(body: Any, status: str = "200 OK") -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


class ModelServer:
    """Answers each request by its kind (a lesson when its schema has ``blocks``)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.busy_seconds = 0.0  # answering, the delays not counted
        material = sample_idm("Photosynthesis", LessonConstraints()).model_dump()
        self._material = _answer(json_completion(material).body)
        self._lesson = _answer(json_completion(expand(build_lesson(50))).body)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection: requests in turn (HTTP/1.1 keep-alive) until the client closes."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                started = time.perf_counter()
                request_line, *lines = head.decode("latin-1").split("\r\n")
                headers = dict(line.split(": ", 1) for line in lines if ": " in line)
                length = int({k.lower(): v for k, v in headers.items()}.get("content-length", 0))
                body = await reader.readexactly(length)
                if request_line.startswith("GET /stats"):
                    writer.write(_answer({"busy_seconds": self.busy_seconds}))
                    await writer.drain()
                    continue
                # The Structurer's schema names the lesson's ``blocks``; the material's does not.
                answer = self._lesson if b'"blocks"' in body else self._material
                self.busy_seconds += time.perf_counter() - started
                await asyncio.sleep(self.delay)
                started = time.perf_counter()
                writer.write(answer)
                await writer.drain()
                self.busy_seconds += time.perf_counter() - started
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def run(delay: float) -> None:
    """Serve on a free port of 127.0.0.1 until standard input closes."""
    model = ModelServer(delay)
    server = await asyncio.start_server(model.serve, "127.0.0.1", 0, backlog=BACKLOG)
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}/v1", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()


def main() -> None:
    """Serve until the standard input closes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    asyncio.run(run(parser.parse_args().delay))


if __name__ == "__main__":
    main()
