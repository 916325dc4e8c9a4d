"""An HTTP proxy in front of moto's DynamoDB server that records and can fail requests.

The DynamoDB adapter talks to it over real HTTP, so botocore's own retry logic meets
the injected throttling exactly as it would meet AWS's.
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackServer, QuietJsonHandler

_THROTTLED = json.dumps(
    {
        "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
        "message": "Rate of requests exceeds the allowed throughput.",
    }
).encode()

_HTML = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"


@dataclass
class Recorded:
    """One request: its operation and its JSON body."""

    operation: str
    body: dict[str, Any]


@dataclass
class Faults:
    """Throttle the next ``fail_next`` requests, or every request while ``fail_always``.

    While ``html_status`` is set, every request is answered by an HTML page with that
    status instead (what a load balancer, captive portal or crashed server sends).
    """

    fail_next: int = 0
    fail_always: bool = False
    html_status: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def should_fail(self) -> bool:
        with self.lock:
            if self.fail_always:
                return True
            if self.fail_next > 0:
                self.fail_next -= 1
                return True
            return False


class DynamoProxy(LoopbackServer):
    """Forwards to ``upstream`` (host, port); records every request; injects faults."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.requests: list[Recorded] = []
        self.faults = Faults()
        self._lock = threading.Lock()
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return self.origin

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
        self.faults = Faults()

    def operations(self) -> list[str]:
        with self._lock:
            return [r.operation for r in self.requests]

    def _record(self, operation: str, body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(Recorded(operation, body))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(QuietJsonHandler):
            def do_POST(self) -> None:
                raw, body = self.read_body()
                operation = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
                proxy._record(operation, body)
                if proxy.faults.html_status is not None:
                    self._reply(proxy.faults.html_status, _HTML, "text/html; charset=utf-8")
                    return
                if proxy.faults.should_fail():
                    self._reply(400, _THROTTLED, "application/x-amz-json-1.0")
                    return
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request("POST", self.path, body=raw, headers=headers)
                response = upstream.getresponse()
                body = response.read()
                upstream.close()
                self._reply(response.status, body, response.getheader("Content-Type", ""))

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
