"""The model for ``bench_generation``: the scripted OpenAI-compatible server, in its own process.

Every request is answered by what it asks for (material for the Gatherer, the lesson for
the Structurer), after ``--delay`` seconds, so any number of generations can run at once.
It runs apart from the app under test so that its work never competes with the app's
event loop for the interpreter lock. Its listen backlog is raised: the threading server's
default of 5 would make the kernel drop connection attempts under a burst of 100 (each
retried a second later), and the bench would measure the model server, not DGS.

Run: ``python -m bench.generation_model --delay 1.0`` prints its base URL, then serves.
"""

from __future__ import annotations

import argparse
import sys
import threading
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
        super().__init__(profile=None)
        self._server.socket.listen(BACKLOG)  # Linux takes the new backlog on a listening socket
        self._server.request_queue_size = BACKLOG
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the
        # body until the client's delayed ACK of the headers, ~40 ms on every answer.
        self._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        material = json_completion(sample_idm("Photosynthesis", LessonConstraints()).model_dump())
        lesson = json_completion(expand(build_lesson(50)))
        self._material = Reply(body=material.body, delay=delay)
        self._lesson = Reply(body=lesson.body, delay=delay)
        self.served = 0
        self._count = threading.Lock()

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._count:
            self.served += 1
        schema = body.get("response_format", {}).get("json_schema", {}).get("schema", {})
        return self._lesson if "blocks" in schema.get("properties", {}) else self._material


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    server = ModelServer(args.delay)
    server.start()
    print(server.base_url, flush=True)
    sys.stdin.read()  # until the bench closes our stdin
    server.stop()


if __name__ == "__main__":
    main()
