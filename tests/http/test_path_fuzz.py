"""Generated path spellings without the key: only a public page, 405 or 204 ever answers.

The table in test_path_spellings.py names the spellings known to matter; this draws
others from the same pieces (slashes, encodings, dot segments, cases, parameters).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from application.principal import DEV_TENANT
from application.records import LessonQuery
from entrypoints.container import build_container
from entrypoints.http_app import build_app
from entrypoints.settings import load_settings
from tests.http.conftest import api_settings, count_model_calls
from tests.http.wire_calls import call_asgi

TOKENS = ["/", "//", "%2F", "%2f", ".", "..", "%2E", "v1", "V1", "%76%31", "lessons", "generate",
          "validate", "catalog", "schemas", "lesson", "1.1", "health", "ready", "docs", "swagger",
          "openapi.json", ";x=1", "%3B", "%5C", "%252F", "%C3%A9", "%FF"]  # fmt: skip


def test_no_spelling_reaches_a_private_route_without_the_key(tmp_path: Path) -> None:
    container = build_container(load_settings(api_settings(tmp_path)))
    calls = count_model_calls(container)
    app = build_app(container)
    loop = asyncio.new_event_loop()
    try:
        public = {
            loop.run_until_complete(call_asgi(app, "GET", path)).body
            for path in ("/health", "/ready", "/docs", "/docs/swagger", "/docs/openapi.json")
        }

        @settings(max_examples=400, deadline=None)
        @given(
            st.sampled_from(["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]),
            st.lists(st.sampled_from(TOKENS), min_size=1, max_size=7),
        )
        def refused_or_public(method: str, tokens: list[str]) -> None:
            target = "/" + "".join(tokens)
            body = b'{"topic": "x", "title": "x"}' if method in {"POST", "PATCH", "PUT"} else b""
            headers = {"content-type": "application/json"} if body else {}
            answer = loop.run_until_complete(call_asgi(app, method, target, headers, body))
            # Otherwise a public path: its page exactly as spelled canonically, or the
            # router's answer to another method there (405; 204 for OPTIONS).
            seen = (method, target, answer.status)
            if answer.status == 200:
                assert method in {"GET", "HEAD"}, seen
                assert method == "HEAD" or answer.body in public, seen
            elif answer.status != 401:
                assert (answer.status, method == "OPTIONS") in {(405, False), (204, True)}, seen

        refused_or_public()
        assert calls.count == 0
        page = loop.run_until_complete(
            container.lessons().list_summaries(DEV_TENANT, LessonQuery(limit=10))
        )
        assert not page.items
    finally:
        loop.close()
