"""``dgs store init`` and ``dgs lessons list|get|delete``: the store the settings select.

The local operator works on the dev tenant's lessons (``TENANT#default``), as the dev key
does; ``dgs store assign-owner`` hands them, and the tenant's jobs, idempotency records
and repair records, to a user.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import msgspec

from adapters.http import presenters, wire
from application.principal import DEV_TENANT
from application.records import LessonQuery
from application.use_cases.assign_owner import KINDS, Kind
from entrypoints.commands import EXIT_OK
from entrypoints.commands.terminal import json_text, printable
from entrypoints.commands.with_container import run_with_container
from entrypoints.container import Container


def store_init(args: argparse.Namespace) -> int:
    """Create the store (the SQLite file and schema, or the DynamoDB table)."""

    async def init(container: Container) -> int:
        settings = container.settings()
        if settings.storage == "sqlite":
            await container.lessons().ping()
            print(f"SQLite store ready at {settings.sqlite_path}")
            return EXIT_OK
        from adapters.dynamodb.repairs import DynamoRepairLog
        from adapters.dynamodb.schema import add_missing_indexes, create_table

        table = container.stores.table()
        created = await create_table(table)
        state = "created" if created else "already exists"
        print(f"DynamoDB table {settings.dynamodb_table!r} {state}")
        if not created:  # a table from before the jobs: the job indexes it lacks
            for index in await add_missing_indexes(table):
                print(f"DynamoDB index {index!r} added")
        repairs = container.repair_log()
        assert isinstance(repairs, DynamoRepairLog)
        if adopted := await repairs.adopt_unowned():  # kept before repair records had owners
            print(f"{adopted} repair records kept before owners given to {DEV_TENANT}")
        return EXIT_OK

    return run_with_container("store init", init)


# How each kind of record is named in the report, in the order they move.
_KIND_NAMES: dict[Kind, str] = {
    "lessons": "lessons",
    "jobs": "jobs",
    "idempotency": "idempotency records",
    "repairs": "repair records",
}


def assign_owner(args: argparse.Namespace) -> int:
    """Move the dev tenant's records to ``USER#{--to}`` (or count them: ``--dry-run``).

    One line per kind: how many there are (a dry run), or how many of them moved.
    """

    async def assign(container: Container) -> int:
        done = await container.assign_owner()(args.to, dry_run=args.dry_run)
        heading = "dry run: would move" if args.dry_run else "moved"
        print(f"{heading} from {DEV_TENANT} to {done.to_owner}")
        for kind in KINDS:
            found = done.found[kind]
            count = f"{found}" if args.dry_run else f"{done.moved[kind]} of {found}"
            print(f"  {_KIND_NAMES[kind]:<21}{count}")
        return EXIT_OK

    return run_with_container("store assign-owner", assign)


def parse_moment(text: str) -> datetime:
    """An ISO date or date-time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or date-time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def page_limit(text: str) -> int:
    """A list limit: an integer from 1 to 100."""
    from application.records import MAX_LIMIT

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT}")
    return value


def lessons_list(args: argparse.Namespace) -> int:
    """List lesson summaries, newest first."""

    async def list_page(container: Container) -> int:
        query = LessonQuery(
            tag=args.tag,
            q=args.q,
            created_from=args.created_from,
            created_to=args.created_to,
            limit=args.limit,
            cursor=args.cursor,
        )
        page = await container.list_lessons()(DEV_TENANT, query)  # as GET /v1/lessons
        if args.json:
            items = [presenters.summary(s) for s in page.items]
            _print_json(wire.SummaryPage(items=items, next_cursor=page.next_cursor))
            return EXIT_OK
        for item in page.items:
            tags = printable(",".join(item.tags))
            created = f"{item.created_at:%Y-%m-%d %H:%M}"
            title = printable(item.title)
            print(f"{item.lesson_id}  {created}  v{item.version}  {title}  [{tags}]")
        if page.next_cursor:
            print(f"next: --cursor {page.next_cursor}")
        return EXIT_OK

    return run_with_container("lessons list", list_page)


def lessons_get(args: argparse.Namespace) -> int:
    """Show one lesson with its metadata."""

    async def get(container: Container) -> int:
        view = await container.get_lesson()(DEV_TENANT, args.lesson_id)  # as GET /v1/lessons/{id}
        record = view.record
        if args.json:
            _print_json(presenters.lesson(view, "shorthand"))
        else:
            heading = f"{record.lesson_id}, v{record.version}, {record.schema_version}"
            print(printable(f"{record.title}  ({heading})"))
            print(printable(f"topic: {record.topic}  tags: {', '.join(record.tags) or '-'}"))
            made_by = f"{record.provider_b}/{record.model_b}"
            print(printable(f"created {record.created_at.isoformat()}  by {made_by}"))
            print(printable(record.lesson_json, multiline=True))
        return EXIT_OK

    return run_with_container("lessons get", get)


def lessons_delete(args: argparse.Namespace) -> int:
    """Delete one lesson of the dev tenant (gone at once, purged after the retention)."""

    async def remove(container: Container) -> int:
        await container.delete_lesson()(DEV_TENANT, args.lesson_id, None)
        print(f"deleted {args.lesson_id}")
        return EXIT_OK

    return run_with_container("lessons delete", remove)


def _print_json(value: object) -> None:
    """JSON exactly as the HTTP API sends it (same wire structs), indented for people."""
    print(json_text(msgspec.json.format(msgspec.json.encode(value), indent=2).decode()))
