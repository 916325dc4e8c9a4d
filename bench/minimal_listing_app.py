"""The yardstick of ``bench_listing``: a minimal Litestar app serving DGS's two read routes.

It runs the same SQL on the same SQLite file as DGS and answers the same JSON (DGS's wire
structs), as one writes it with no layers: a thread-local connection, tuples. It has
no key check, security headers, problem handling or cursor filters beyond what the
query needs, so its speed is what the framework and the query cost on this server.
The bench checks its bodies equal DGS's before timing either.

Served with ``python -m bench.minimal_listing_app --port N`` (hypercorn configured as
``dgs serve`` configures it); the file is ``DGS_SQLITE_PATH``, the cursor secret
``DGS_CURSOR_SECRET``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from litestar import Litestar, get

from adapters.http.wire import GenerationMeta, Lesson, StepUsage, Summary, SummaryPage
from application.cursor import CursorCodec, Position
from application.principal import DEV_TENANT
from application.records import LessonQuery
from application.responses import lesson_in_format

_PATH = Path(os.environ.get("DGS_SQLITE_PATH", "data/dgs.sqlite3"))
_CURSORS = CursorCodec(os.environ.get("DGS_CURSOR_SECRET", "x" * 32).encode())
_LIST = (
    "SELECT lesson_id, topic, title, tags, created_at, updated_at, version, schema_version,"
    " status FROM lessons WHERE owner = ? AND status = 'ok'"
    " ORDER BY created_at DESC, lesson_id DESC LIMIT ?"
)
_GET = (
    "SELECT lesson_id, topic, title, tags, created_at, updated_at, version, schema_version,"
    " status, prompt_version, widgets_version, idempotency_key, provider_a, model_a,"
    " provider_b, model_b, meta, lesson_json"
    " FROM lessons l JOIN lesson_bodies b USING (lesson_id) WHERE l.lesson_id = ? AND l.owner = ?"
)
_local = threading.local()


def _connection() -> sqlite3.Connection:
    connection: sqlite3.Connection | None = getattr(_local, "connection", None)
    if connection is None:
        connection = sqlite3.connect(_PATH, isolation_level=None, check_same_thread=False)
        _local.connection = connection
    return connection


def _rows(sql: str, args: tuple[Any, ...]) -> list[Any]:
    return _connection().execute(sql, args).fetchall()


def _summary(r: Any) -> Summary:
    return Summary(
        lesson_id=r[0], topic=r[1], title=r[2], tags=json.loads(r[3]),
        created_at=datetime.fromisoformat(r[4]), updated_at=datetime.fromisoformat(r[5]),
        version=r[6], schema_version=r[7], status=r[8],
    )  # fmt: skip


@get("/v1/lessons")
async def list_lessons(limit: int = 20) -> SummaryPage:
    """The newest page."""
    rows = await asyncio.to_thread(_rows, _LIST, (DEV_TENANT, limit + 1))
    items = [_summary(r) for r in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        cursor = _CURSORS.encode(Position(last[4], last[0]), LessonQuery(limit=limit), DEV_TENANT)
    return SummaryPage(items=items, next_cursor=cursor)


@get("/v1/lessons/{lesson_id:str}")
async def get_lesson(lesson_id: str) -> Lesson:
    """One lesson in shorthand, as DGS serves it by default."""
    rows = await asyncio.to_thread(_rows, _GET, (lesson_id, DEV_TENANT))
    (r,) = rows
    meta = json.loads(r[16])
    full = json.loads(r[17])
    return Lesson(
        lesson_id=r[0], topic=r[1], title=r[2], tags=json.loads(r[3]),
        created_at=datetime.fromisoformat(r[4]), updated_at=datetime.fromisoformat(r[5]),
        version=r[6], stored_schema_version=r[7], schema_version=full["schema_version"],
        lesson_json=lesson_in_format(full, "shorthand"),
        meta=GenerationMeta(
            provider_a=r[12], model_a=r[13], provider_b=r[14], model_b=r[15],
            latency_ms=meta["latency_ms"], usage=[StepUsage(**u) for u in meta["usage"]],
            cost_usd=meta["cost_usd"], repaired=meta["repaired"], cache=meta.get("cache"),
            prompt_version=r[9], schema_version=r[7], widgets_version=r[10],
        ),
        conversion_warnings=[],
    )  # fmt: skip


app = Litestar([list_lessons, get_lesson], logging_config=None, debug=False)


def main() -> None:
    """Serve ``app`` under hypercorn, configured as ``dgs serve`` configures it."""
    from hypercorn.run import run

    from entrypoints.commands.serve import hypercorn_config
    from entrypoints.settings import load_settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    config = hypercorn_config(
        argparse.Namespace(host="127.0.0.1", port=args.port, workers=1), load_settings()
    )
    config.application_path = "bench.minimal_listing_app:app"
    run(config)


if __name__ == "__main__":
    main()
