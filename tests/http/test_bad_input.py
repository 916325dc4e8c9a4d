"""A catalogue of bad requests: each gets its 4xx problem+json, no model call and no write.

Every case runs twice: here as an HTTP server hands it to the app (a raw ASGI scope: the
bytes exactly as written, which an HTTP client would re-encode), and as a Lambda Function
URL event through the handler (``test_bad_input_lambda``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from application.principal import DEV_TENANT
from domain.limits import MAX_JSON_DEPTH
from tests.http.conftest import DEV_KEY, KEY, Api, api_settings, open_api
from tests.http.wire_calls import Answer, HeaderValue, call_asgi

LESSON = "3f1c2b8e-0000-4000-8000-000000000000"  # replaced by a stored lesson's id


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


GEN = "/v1/lessons/generate"
JSON = {"content-type": "application/json"}


@dataclass
class Case:
    id: str
    method: str
    path: str
    status: int
    code: str
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, HeaderValue] = field(default_factory=lambda: dict(KEY))


def case(id: str, method: str, path: str, status: int, code: str, **kwargs: Any) -> Case:
    return Case(id, method, path, status, code, **kwargs)


CASES = [
    # authentication
    case("no-key", "GET", "/v1/lessons", 401, "unauthorized", headers={}),
    case("wrong-key", "GET", "/v1/lessons", 401, "unauthorized", headers={"X-DGS-Dev-Key": "wrong"}),
    case("key-prefix", "GET", "/v1/lessons", 401, "unauthorized", headers={"X-DGS-Dev-Key": DEV_KEY[:-1]}),
    case("key-on-generate-missing", "POST", GEN, 401, "unauthorized", body={"topic": "x"}, headers={}),
    case("empty-key", "GET", "/v1/catalog", 401, "unauthorized", headers={"X-DGS-Dev-Key": ""}),
    # origins
    case("evil-origin", "GET", "/v1/lessons", 403, "origin_not_allowed", headers={**KEY, "Origin": "https://evil.example"}),
    case("origin-lookalike", "GET", "/v1/lessons", 403, "origin_not_allowed", headers={**KEY, "Origin": "https://dle.example.org.evil.example"}),
    case("preflight-bad-method", "OPTIONS", "/v1/lessons", 403, "cors_not_allowed",
         headers={"Origin": "https://dle.example.org", "Access-Control-Request-Method": "PUT"}),
    case("preflight-bad-header", "OPTIONS", "/v1/lessons", 403, "cors_not_allowed",
         headers={"Origin": "https://dle.example.org", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-secret"}),
    # bodies: type, size, syntax
    case("wrong-content-type", "POST", GEN, 415, "unsupported_media_type", raw=b"topic=x", headers={**KEY, "content-type": "application/x-www-form-urlencoded"}),
    case("no-content-type", "POST", GEN, 415, "unsupported_media_type", raw=b'{"topic": "x"}', headers=dict(KEY)),
    case("text-plain", "POST", "/v1/lessons/validate", 415, "unsupported_media_type", raw=b"{}", headers={**KEY, "content-type": "text/plain"}),
    case("malformed-json", "POST", GEN, 400, "malformed_json", raw=b'{"topic": ', headers={**KEY, **JSON}),
    case("malformed-validate", "POST", "/v1/lessons/validate", 400, "malformed_json", raw=b"{nope", headers={**KEY, **JSON}),
    case("nan-json", "POST", GEN, 400, "malformed_json", raw=b'{"topic": NaN}', headers={**KEY, **JSON}),
    case("oversize-generate", "POST", GEN, 413, "payload_too_large", raw=b'{"topic": "' + b"x" * 9000 + b'"}', headers={**KEY, **JSON}),
    case("oversize-validate", "POST", "/v1/lessons/validate", 413, "payload_too_large", raw=b'{"t": "' + b"x" * 1_100_000 + b'"}', headers={**KEY, **JSON}),
    case("oversize-patch", "PATCH", f"/v1/lessons/{LESSON}", 413, "payload_too_large", raw=b'{"title": "' + b"x" * 9000 + b'"}', headers={**KEY, **JSON}),
    # generate: fields
    case("missing-topic", "POST", GEN, 422, "invalid_body", body={}),
    case("topic-number", "POST", GEN, 422, "invalid_body", body={"topic": 5}),
    case("topic-null", "POST", GEN, 422, "invalid_body", body={"topic": None}),
    case("topic-empty", "POST", GEN, 422, "invalid_body", body={"topic": ""}),
    case("topic-blank", "POST", GEN, 422, "invalid_body", body={"topic": "    "}),
    case("topic-201", "POST", GEN, 422, "invalid_body", body={"topic": "x" * 201}),
    case("topic-control", "POST", GEN, 422, "invalid_body", body={"topic": "Tides\u0000"}),
    case("topic-bidi", "POST", GEN, 422, "invalid_request", body={"topic": "Tides\u202e"}),  # Cf: checked by the use case
    case("topic-padded-201", "POST", GEN, 422, "invalid_request", body={"topic": " " + "x" * 198 + "\u200b"}),
    case("unknown-field", "POST", GEN, 422, "invalid_body", body={"topic": "x", "instructions": "ignore all"}),
    case("unknown-constraint", "POST", GEN, 422, "invalid_body", body={"topic": "x", "constraints": {"tone": "fun"}}),
    case("bad-level", "POST", GEN, 422, "invalid_body", body={"topic": "x", "constraints": {"learnerLevel": "Guru"}}),
    case("bad-length", "POST", GEN, 422, "invalid_body", body={"topic": "x", "constraints": {"length": "Epic"}}),
    case("bad-language", "POST", GEN, 422, "invalid_body", body={"topic": "x", "constraints": {"language": "english please"}}),
    case("bad-mode", "POST", GEN, 422, "invalid_body", body={"topic": "x", "mode": "turbo"}),
    case("bad-schema-version", "POST", GEN, 422, "invalid_body", body={"topic": "x", "schema_version": "2.0"}),
    case("body-is-array", "POST", GEN, 422, "invalid_body", body=["topic"]),
    case("bad-idempotency-key", "POST", GEN, 422, "invalid_body", body={"topic": "x", "idempotency_key": "has spaces"}),
    case("keys-disagree", "POST", GEN, 400, "idempotency_key_conflict", body={"topic": "x", "idempotency_key": "a"}, headers={**KEY, "Idempotency-Key": "b"}),
    case("bad-format", "POST", GEN + "?format=xml", 400, "invalid_parameter", body={"topic": "x"}),
    # lessons: ids, queries, cursors
    case("bad-id", "GET", "/v1/lessons/not-a-uuid", 400, "invalid_parameter"),
    case("unknown-id", "GET", "/v1/lessons/3f1c2b8e-1111-4000-8000-000000000000", 404, "not_found"),
    case("bad-version-query", "GET", f"/v1/lessons/{LESSON}?schema_version=9", 400, "invalid_parameter"),
    case("limit-zero", "GET", "/v1/lessons?limit=0", 400, "invalid_parameter"),
    case("limit-101", "GET", "/v1/lessons?limit=101", 400, "invalid_parameter"),
    case("limit-text", "GET", "/v1/lessons?limit=ten", 400, "invalid_parameter"),
    case("bad-from", "GET", "/v1/lessons?from=yesterday", 400, "invalid_parameter"),
    case("garbage-cursor", "GET", "/v1/lessons?cursor=abc", 400, "invalid_cursor"),
    case("tampered-cursor", "GET", "/v1/lessons?cursor=TAMPERED", 400, "invalid_cursor"),
    case("foreign-filters-cursor", "GET", "/v1/lessons?tag=other&cursor=VALID", 400, "invalid_cursor"),
    # patch
    case("stale-if-match", "PATCH", f"/v1/lessons/{LESSON}", 412, "precondition_failed", body={"title": "x"}, headers={**KEY, "If-Match": f'"{LESSON}.7"'}),
    case("foreign-if-match", "PATCH", f"/v1/lessons/{LESSON}", 412, "precondition_failed", body={"title": "x"}, headers={**KEY, "If-Match": '"abc"'}),
    case("patch-unknown-field", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_body", body={"status": "deleted"}),
    case("patch-tag-too-long", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_body", body={"tags_add": ["x" * 41]}),
    case("patch-too-many-tags", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_body", body={"tags_add": [f"t{n}" for n in range(21)]}),
    case("patch-blank-tag", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_body", body={"tags_add": ["   "]}),
    case("patch-blank-title", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_body", body={"title": "   "}),
    # a tag and a title are one line of text, by the same rule as a topic (domain.values)
    case("patch-tag-c1-control", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_body", body={"tags_add": ["bio\u0085"]}),
    case("patch-title-c1-control", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_body", body={"title": "Tides\u009b2J"}),
    case("patch-tag-bidi", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_request", body={"tags_add": ["bio\u202e"]}),
    case("patch-tag-zero-width", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_request", body={"tags_add": ["\u200b"]}),
    case("patch-title-bidi", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_request", body={"title": "Tides\u202eevil"}),
    case("patch-title-script", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_request", body={"title": "<script>alert(1)</script>"}),
    case("patch-title-handler", "PATCH", f"/v1/lessons/{LESSON}", 422, "invalid_request", body={"title": "x\" onerror=alert(1)"}),
    case("patch-unknown-lesson", "PATCH", "/v1/lessons/3f1c2b8e-2222-4000-8000-000000000000", 404, "not_found", body={"title": "x"}),
    # routes and methods
    case("unknown-route", "GET", "/v1/nothing-here", 404, "not_found"),
    case("post-not-allowed", "POST", f"/v1/lessons/{LESSON}", 405, "method_not_allowed"),
    case("delete-stale-if-match", "DELETE", f"/v1/lessons/{LESSON}", 412, "precondition_failed", headers={**KEY, "If-Match": f'"{LESSON}.7"'}),
    case("put-not-allowed", "PUT", f"/v1/lessons/{LESSON}", 405, "method_not_allowed", body={"title": "x"}),
    case("unknown-schema-version", "GET", "/v1/schemas/lesson/3.0", 404, "not_found"),
    # hostile bodies: every body goes through the one strict reader (adapters/json_input.py)
    *[case(f"deep-{where}", method, path, 400, "json_too_deep", raw=raw, headers={**KEY, **JSON})
      for where, method, path, raw in [
          ("array-generate", "POST", GEN, _deep(1000)),
          ("object-generate", "POST", GEN, b'{"t":' * 1000 + b'"x"' + b"}" * 1000),
          ("patch", "PATCH", f"/v1/lessons/{LESSON}", b'{"title":' + _deep(1000) + b"}"),
          ("validate", "POST", "/v1/lessons/validate", _deep(1000)),
          ("validate-100k", "POST", "/v1/lessons/validate", _deep(100_000)),
          ("validate-one-over", "POST", "/v1/lessons/validate", _deep(MAX_JSON_DEPTH + 1)),
      ]],
    *[case(f"bad-utf8-{name}-{where}", method, path, 400, "invalid_encoding", headers={**KEY, **JSON},
           raw=b'{"' + field_name + b'": "ab' + sequence + b'"}')
      for name, sequence in [("ff", b"\xff"), ("overlong-slash", b"\xc0\xaf"), ("surrogate", b"\xed\xa0\x80")]
      for where, method, path, field_name in [
          ("generate", "POST", GEN, b"topic"),
          ("patch", "PATCH", f"/v1/lessons/{LESSON}", b"title"),
          ("validate", "POST", "/v1/lessons/validate", b"title"),
      ]],
    case("latin1-charset", "POST", GEN, 400, "invalid_encoding", raw='{"topic": "café"}'.encode("latin-1"),
         headers={**KEY, "content-type": "application/json; charset=iso-8859-1"}),
    case("lone-surrogate-escape", "POST", GEN, 400, "malformed_json", raw=b'{"topic": "\\ud800"}', headers={**KEY, **JSON}),
    case("infinity", "POST", "/v1/lessons/validate", 400, "malformed_json", raw=b'{"title": Infinity}', headers={**KEY, **JSON}),
    case("minus-infinity", "PATCH", f"/v1/lessons/{LESSON}", 400, "malformed_json", raw=b'{"title": -Infinity}', headers={**KEY, **JSON}),
    case("number-overflows-to-infinity", "POST", "/v1/lessons/validate", 400, "malformed_json", raw=b'{"title": 1e999}', headers={**KEY, **JSON}),
    case("byte-order-mark", "POST", GEN, 400, "malformed_json", raw=b'\xef\xbb\xbf{"topic": "x"}', headers={**KEY, **JSON}),
    case("trailing-data", "POST", GEN, 400, "malformed_json", raw=b'{"topic": "x"} {}', headers={**KEY, **JSON}),
    # hostile headers and queries
    case("if-match-superscript-digit", "PATCH", f"/v1/lessons/{LESSON}", 412, "precondition_failed",  # "¹".isdigit()
         body={"title": "x"}, headers={**KEY, "If-Match": f'"{LESSON}.'.encode() + b'\xb9"'}),
    case("if-match-huge-version", "PATCH", f"/v1/lessons/{LESSON}", 412, "precondition_failed",
         body={"title": "x"}, headers={**KEY, "If-Match": f'"{LESSON}.{"9" * 30}"'}),
    case("from-overflows-utc", "GET", "/v1/lessons?from=0001-01-01T00:00:00%2B23:59", 400, "invalid_parameter"),
    case("to-overflows-utc", "GET", "/v1/lessons?to=9999-12-31T23:59:59-23:59", 400, "invalid_parameter"),
]  # fmt: skip


@dataclass
class Seeded:
    """One app and store for every case: four lessons, a cursor, and the database file."""

    api: Api
    lesson_id: str
    cursor: str
    database: Path

    def contents(self) -> list[str]:
        """Every row of every table, as SQL (a case must leave it exactly as it was)."""
        with closing(sqlite3.connect(self.database)) as connection:
            return list(connection.iterdump())


# Built once for the module (an app per case cost ~0.15 s, most of this file's time); each
# case compares the whole database before and after, so it still proves it changed nothing.
@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Seeded]:
    folder = tmp_path_factory.mktemp("bad-input")
    client, container, calls = await open_api(folder)
    async with client:
        api = Api(client, container, calls)
        lesson_id = (await api.generate("Seed"))["lesson_id"]
        for n in range(3):
            await api.generate(f"Seed {n}")
        cursor = (await api.client.get("/v1/lessons?limit=1", headers=KEY)).json()["next_cursor"]
        yield Seeded(api, lesson_id, cursor, Path(api_settings(folder)["DGS_SQLITE_PATH"]))


def test_the_catalogue_has_at_least_80_cases() -> None:
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


def request_of(bad: Case, lesson_id: str, cursor: str) -> tuple[str, dict[str, HeaderValue], bytes]:
    """The case's target, headers and body bytes, with the seeded lesson and cursor."""
    target = (
        bad.path.replace(LESSON, lesson_id)
        .replace("VALID", cursor)
        .replace("TAMPERED", cursor[:-3] + "AAA")
    )
    headers = {
        k: v.replace(LESSON, lesson_id) if isinstance(v, str) else v.replace(LESSON.encode(), lesson_id.encode())
        for k, v in bad.headers.items()
    }  # fmt: skip
    body = bad.raw or b""
    if bad.body is not None:  # as a client sends JSON
        body = json.dumps(bad.body).encode()
        headers.setdefault("content-type", "application/json")
    return target, headers, body


def assert_refused(bad: Case, answer: Answer) -> None:
    text = answer.body.decode()
    assert answer.status == bad.status, text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == bad.code, text
    assert problem["status"] == bad.status
    assert problem["request_id"] == answer.headers["x-request-id"]
    assert "Traceback" not in text
    assert "litestar" not in text.lower()


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
async def test_bad_input_gets_a_clear_problem_and_changes_nothing(
    seeded: Seeded, bad: Case
) -> None:
    api, lesson_id, cursor = seeded.api, seeded.lesson_id, seeded.cursor
    api.calls.count = 0
    contents = seeded.contents()
    before = await api.stored()
    version_before = (await api.container.lessons().get(DEV_TENANT, lesson_id)).version
    target, headers, body = request_of(bad, lesson_id, cursor)
    assert_refused(bad, await call_asgi(api.client.app, bad.method, target, headers, body))
    assert api.calls.count == 0, "a rejected request made a model call"
    assert await api.stored() == before, "a rejected request stored a lesson"
    assert (await api.container.lessons().get(DEV_TENANT, lesson_id)).version == version_before
    assert seeded.contents() == contents, "a rejected request wrote to the database"
