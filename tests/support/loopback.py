"""A threaded HTTP server on 127.0.0.1 (port 0) for test doubles of remote services."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# How often the serving thread looks for ``stop``: ``shutdown`` waits up to this long, and
# socketserver's default (0.5 s) made each test using a server wait ~0.5 s in its teardown.
POLL_SECONDS = 0.02


class LoopbackServer:
    """Serves ``handler`` in a background thread until ``stop``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_SECONDS,), daemon=True
        )

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class QuietJsonHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 handler that logs nothing and reads JSON bodies."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def read_body(self) -> tuple[bytes, Any]:
        """The raw body and its JSON value (``{}`` when empty)."""
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        return raw, json.loads(raw or b"{}")
