"""``dgs``: the command line. Sub-commands load what they need only when they run."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dgs`` with ``argv`` (default: the process arguments); return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dgs", description="DGS, the Data Generation Service.")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="validate a lesson file")
    validate.add_argument("file", help="a lesson JSON file, or - for standard input")
    validate.add_argument("--schema-version", help="catalog version (default: the lesson's)")
    validate.add_argument("--json", action="store_true", help="print the result as JSON")
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser("schema", help="lesson JSON Schemas")
    schema_commands = schema.add_subparsers(dest="schema_command", required=True)
    export = schema_commands.add_parser("export", help="print a lesson JSON Schema")
    export.add_argument("--schema-version", default=None, help="catalog version")
    export.add_argument("--llm", action="store_true", help="the strict structured-output schema")
    export.set_defaults(handler=_schema_export)

    catalog = commands.add_parser("catalog", help="list the widgets of a catalog")
    catalog.add_argument("--schema-version", default=None, help="catalog version")
    catalog.set_defaults(handler=_catalog)
    return parser


def _read_json(source: str, stdin: TextIO) -> Any:
    """Read and parse JSON; raise ValueError with a reason a person understands."""
    try:
        if source == "-":
            text = stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {source}: {exc}") from exc
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source} is not JSON: {exc.msg} (line {exc.lineno})") from exc


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)


def _validate(args: argparse.Namespace) -> int:
    from domain.catalog.registry import get_registry
    from domain.validation.document import validate_lesson

    try:
        payload = _read_json(args.file, sys.stdin)
    except ValueError as exc:
        print(f"dgs validate: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    requested = args.schema_version
    if requested is not None and requested not in get_registry().catalogs:
        versions = ", ".join(get_registry().versions)
        print(f"dgs validate: unknown schema version {requested}; use {versions}", file=sys.stderr)
        return EXIT_UNREADABLE
    result = validate_lesson(payload, requested)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        verdict = "valid" if result.ok else "INVALID"
        print(f"{args.file}: {verdict} (schema_version {result.schema_version or '?'})")
        for label, issues in (("error", result.errors), ("warning", result.warnings)):
            for issue in issues:
                where = issue.path or "/"
                print(f"  {label:7} {where}  {issue.code}: {issue.message}  [{issue.rule_source}]")
    return EXIT_OK if result.ok else EXIT_INVALID


def _schema_export(args: argparse.Namespace) -> int:
    from domain.catalog.registry import UnsupportedVersionError, get_registry

    try:
        version = get_registry().catalog(args.schema_version).schema_version
    except UnsupportedVersionError as exc:
        print(f"dgs schema export: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.llm:
        from domain.schema.llm import estimate_tokens, llm_json_schema

        schema = llm_json_schema(version)
        print(f"~{estimate_tokens(schema)} tokens", file=sys.stderr)
    else:
        from domain.schema.document import lesson_json_schema

        schema = lesson_json_schema(version)
    print(json.dumps(schema, indent=2))
    return EXIT_OK


def _catalog(args: argparse.Namespace) -> int:
    from domain.catalog.registry import UnsupportedVersionError, get_registry

    try:
        catalog = get_registry().catalog(args.schema_version)
    except UnsupportedVersionError as exc:
        print(f"dgs catalog: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"catalog {catalog.schema_version}  widgets_version {catalog.widgets_version}")
    for widget in catalog.widgets.values():
        shape = widget.shape
        names = [f.name if f.required else f"{f.name}?" for f in shape.fields]
        if shape.shorthand == "positional":
            form = f"[{', '.join(names)}]"
        elif shape.shorthand == "object":
            form = "{" + ", ".join(names) + "}"
        else:
            form = f"{shape.shorthand} ({names[0]})"
        print(f"  {widget.key:13} {form}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
