"""``dgs``: the command line. A sub-command's module is imported only when it runs."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime

from application.records import DEFAULT_LIMIT
from domain.values.catalog_version import CATALOG_VERSIONS, DEFAULT_CATALOG_VERSION
from domain.values.constraints import (
    DEFAULT_LANGUAGE,
    DEFAULT_LEARNER_LEVEL,
    DEFAULT_LESSON_LENGTH,
    DEFAULT_MODE,
    LEARNER_LEVELS,
    LESSON_LENGTHS,
    MODES,
    language,
)
from entrypoints.commands import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED

_COMMANDS = "entrypoints.commands"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dgs`` with ``argv`` (default: the process arguments); return the exit code."""
    args = _parser().parse_args(argv)
    module, _, function = str(args.handler).partition(":")
    command = str(args.label).removeprefix("dgs ")
    try:
        handler: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module(f"{_COMMANDS}.{module}"), function
        )
        code = handler(args)
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return code
    except KeyboardInterrupt:
        return _fail(command, "interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # `dgs ... | head`: the reader closed the pipe. Point stdout at /dev/null so the
        # interpreter's final flush does not fail again (Python's documented remedy).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _fail(command, "standard output was closed before all was written", EXIT_BROKEN_PIPE)


def _fail(command: str, message: str, code: int) -> int:
    from entrypoints.commands.terminal import fail

    return fail(command, message, code)


def _moment(text: str) -> datetime:
    from entrypoints.commands.store import parse_moment

    return parse_moment(text)


def _limit(text: str) -> int:
    from entrypoints.commands.store import page_limit

    return page_limit(text)


def _language(text: str) -> str:
    try:
        return language(text)  # the rule of the API's constraints.language
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dgs", description="DGS, the Data Generation Service.")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="validate a lesson file")
    validate.add_argument("file", help="a lesson JSON file, or - for standard input")
    validate.add_argument("--schema-version", help="catalog version (default: the lesson's)")
    validate.add_argument("--json", action="store_true", help="print the result as JSON")
    validate.set_defaults(handler="documents:validate", label=validate.prog)

    schema = commands.add_parser("schema", help="lesson JSON Schemas")
    schema_commands = schema.add_subparsers(dest="schema_command", required=True)
    export = schema_commands.add_parser("export", help="print a lesson JSON Schema")
    export.add_argument("--schema-version", default=None, help="catalog version")
    export.add_argument("--llm", action="store_true", help="the strict structured-output schema")
    export.set_defaults(handler="documents:schema_export", label=export.prog)

    catalog = commands.add_parser("catalog", help="list the widgets of a catalog")
    catalog.add_argument("--schema-version", default=None, help="catalog version")
    catalog.set_defaults(handler="documents:catalog", label=catalog.prog)

    generate = commands.add_parser("generate", help="generate and store a lesson")
    generate.add_argument("topic")
    generate.add_argument("--level", default=DEFAULT_LEARNER_LEVEL, choices=LEARNER_LEVELS)
    generate.add_argument(
        "--language",
        default=DEFAULT_LANGUAGE,
        type=_language,
        help=f"language of the lesson, a BCP 47 tag (default {DEFAULT_LANGUAGE})",
    )
    generate.add_argument("--length", default=DEFAULT_LESSON_LENGTH, choices=LESSON_LENGTHS)
    generate.add_argument("--mode", default=DEFAULT_MODE, choices=MODES)
    generate.add_argument(
        "--schema-version", default=DEFAULT_CATALOG_VERSION, choices=CATALOG_VERSIONS
    )
    generate.add_argument("--json", action="store_true", help="print the API's response body")
    generate.add_argument(
        "--async", dest="async_", action="store_true",
        help="start a generation job and print its id (see `dgs jobs`)",
    )  # fmt: skip
    generate.set_defaults(handler="generate:generate", label=generate.prog)

    # Generation jobs (issue 13), as the dev tenant.
    jobs = commands.add_parser("jobs", help="generation jobs (`dgs generate --async`)")
    job_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    job_list = job_commands.add_parser("list", help="list jobs, newest first")
    job_list.add_argument(
        "--status", choices=["queued", "running", "done", "failed", "canceled"], default=None
    )
    job_list.add_argument("--limit", type=_limit, default=DEFAULT_LIMIT, help="1-100")
    job_list.add_argument("--cursor", default=None, help="the next page's cursor")
    job_list.add_argument("--json", action="store_true", help="print JSON")
    job_list.set_defaults(handler="jobs:jobs_list", label=job_list.prog)
    for name, helped in (
        ("get", "show one job"),
        ("watch", "follow a job to its end (exit code: how it ended)"),
        ("cancel", "cancel a job (a running one stops at its next step)"),
    ):
        job_command = job_commands.add_parser(name, help=helped)
        job_command.add_argument("job_id")
        job_command.add_argument("--json", action="store_true", help="print JSON (lines)")
        job_command.set_defaults(handler=f"jobs:jobs_{name}", label=job_command.prog)
        if name == "watch":
            job_command.add_argument(
                "--interval", type=float, default=0.5, help="seconds between reads (default 0.5)"
            )

    serve = commands.add_parser("serve", help="run the HTTP API (hypercorn)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(handler="serve:serve", label=serve.prog)

    providers = commands.add_parser("providers", help="the model providers")
    check = providers.add_subparsers(dest="providers_command", required=True).add_parser(
        "check", help="one minimal call per step with the exact schema it sends"
    )
    check.add_argument(
        "--schema-version", default=DEFAULT_CATALOG_VERSION, choices=CATALOG_VERSIONS
    )
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(handler="providers:check", label=check.prog)

    store = commands.add_parser("store", help="the lesson store")
    store_commands = store.add_subparsers(dest="store_command", required=True)
    init = store_commands.add_parser("init", help="create the SQLite file or DynamoDB table")
    init.set_defaults(handler="store:store_init", label=init.prog)
    assign = store_commands.add_parser(
        "assign-owner", help="hand the dev tenant's lessons to a user (resumable)"
    )
    assign.add_argument("--to", required=True, metavar="SUB", help="the user's Cognito sub")
    assign.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    assign.set_defaults(handler="store:assign_owner", label=assign.prog)

    lessons = commands.add_parser("lessons", help="stored lessons")
    lesson_commands = lessons.add_subparsers(dest="lessons_command", required=True)
    listing = lesson_commands.add_parser("list", help="list lessons, newest first")
    listing.add_argument("--tag", help="only lessons with this tag")
    listing.add_argument("--q", help="text in the title or topic (case-insensitive)")
    listing.add_argument("--from", dest="created_from", type=_moment, help="created at or after")
    listing.add_argument("--to", dest="created_to", type=_moment, help="created before")
    listing.add_argument("--limit", type=_limit, default=DEFAULT_LIMIT, help="1-100 (default 20)")
    listing.add_argument("--cursor", help="the next_cursor of the previous page")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler="store:lessons_list", label=listing.prog)
    get = lesson_commands.add_parser("get", help="show one lesson")
    get.add_argument("lesson_id")
    get.add_argument("--json", action="store_true", help="print JSON")
    get.set_defaults(handler="store:lessons_get", label=get.prog)
    remove = lesson_commands.add_parser(
        "delete", help="delete one lesson (purged after DGS_DELETED_RETENTION_DAYS)"
    )
    remove.add_argument("lesson_id")
    remove.set_defaults(handler="store:lessons_delete", label=remove.prog)

    # Evaluation and cost estimates (issue 15).
    # `dgs estimate` takes exactly the options of `dgs generate` (argparse copies them).
    estimate = commands.add_parser(
        "estimate",
        parents=[generate],
        add_help=False,
        help="the model calls, tokens and cost a generation would take (no model call)",
    )
    estimate.set_defaults(handler="estimate:estimate", label=estimate.prog)

    def count(text: str) -> int:
        if not text.isdigit() or int(text) < 1:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
        return int(text)

    def dollars(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is not an amount of USD above 0")
        return value

    evaluation = commands.add_parser("eval", help="run topics through the pipeline and report")
    topics = evaluation.add_mutually_exclusive_group()
    topics.add_argument("--topics", metavar="FILE", help="a JSONL file of generate request bodies")
    topics.add_argument("--builtin", action="store_true", help="the bundled topics (default)")
    evaluation.add_argument(
        "--runs", type=count, default=1, metavar="N", help="runs per topic (default 1)"
    )
    evaluation.add_argument(
        "--concurrency", type=count, default=2, metavar="C", help="runs at a time (default 2)"
    )
    evaluation.add_argument(
        "--max-cost", type=dollars, default=None, metavar="USD", help="stop before spending more"
    )
    evaluation.add_argument(
        "--out", default="eval-out", metavar="DIR", help="output directory (default eval-out)"
    )
    evaluation.add_argument(
        "--compare",
        nargs=2,
        metavar=("CONFIG_A", "CONFIG_B"),
        help="two files of DGS_* settings (NAME=value lines) to run side by side",
    )
    evaluation.add_argument(
        "--use-configured-store",
        action="store_true",
        help="store lessons in the configured store (default: a SQLite file in --out)",
    )
    evaluation.set_defaults(handler="eval:evaluate", label=evaluation.prog)

    # Generation jobs from the SQS queue (issue 13).
    worker = commands.add_parser("worker", help="run generation jobs from the SQS queue")
    worker.add_argument(
        "--concurrency", type=count, default=None, metavar="N",
        help="jobs at a time (default DGS_WORKER_CONCURRENCY)",
    )  # fmt: skip
    worker.set_defaults(handler="worker:worker", label=worker.prog)

    # The repair dataset for fine-tuning (issue 15).
    def fraction(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value < 1:
            raise argparse.ArgumentTypeError(f"{text!r} is not a fraction from 0 to under 1")
        return value

    repairs = commands.add_parser("repairs", help="the repair log (the fine-tuning dataset)")
    repair_export = repairs.add_subparsers(dest="repairs_command", required=True).add_parser(
        "export", help="write the repairs that ended valid as fine-tuning examples"
    )
    repair_export.add_argument("--since", type=_moment, help="records made at or after (ISO)")
    repair_export.add_argument(
        "--format", default="openai-chat-jsonl", choices=["openai-chat-jsonl"], help="(default)"
    )
    repair_export.add_argument(
        "--task",
        default="structurer",
        choices=["structurer", "repair"],
        help="the step the examples teach (default structurer)",
    )
    repair_export.add_argument("--out", metavar="FILE", help="the file (default: standard output)")
    repair_export.add_argument(
        "--holdout",
        type=fraction,
        default=0.0,
        metavar="FRACTION",
        help="share of inputs written to FILE's .holdout sibling instead (default 0)",
    )
    repair_export.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    repair_export.set_defaults(handler="repairs:export", label=repair_export.prog)
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
