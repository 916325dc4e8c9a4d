"""``dgs validate``, ``dgs schema export`` and ``dgs catalog``: the lesson format."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from entrypoints.commands import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from entrypoints.commands.terminal import fail, json_text, printable


def read_json(source: str, stdin: TextIO) -> Any:
    """Read and parse JSON strictly; raise ValueError with a reason a person understands.

    The service's one JSON reader: UTF-8, no NaN, at most ``MAX_JSON_DEPTH`` levels.
    """
    from adapters.json_input import JsonInputError, decode_json

    try:
        if source == "-":
            text = stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {printable(source)}: {exc}") from exc
    try:
        return decode_json(text)
    except JsonInputError as exc:
        raise ValueError(f"{printable(source)} is not JSON DGS reads: {exc}") from exc


def validate(args: argparse.Namespace) -> int:
    """Validate a lesson file; exit 0 valid, 1 invalid, 2 unreadable."""
    from domain.catalog.registry import get_registry
    from domain.validation.document import validate_lesson

    try:
        payload = read_json(args.file, sys.stdin)
    except ValueError as exc:
        return fail("validate", str(exc), EXIT_BAD_INPUT)
    requested = args.schema_version
    if requested is not None and requested not in get_registry().catalogs:
        versions = ", ".join(get_registry().versions)
        return fail(
            "validate", f"unknown schema version {requested}; use {versions}", EXIT_BAD_INPUT
        )
    result = validate_lesson(payload, requested)
    if args.json:
        print(json_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2)))
    else:
        verdict = "valid" if result.ok else "INVALID"
        version = result.schema_version or "?"
        print(printable(f"{args.file}: {verdict} (schema_version {version})"))
        kinds = (
            ("error", result.errors, result.error_count),
            ("warning", result.warnings, result.warning_count),
        )
        for label, issues, count in kinds:
            for issue in issues:
                where = issue.path or "/"
                line = f"{where}  {issue.code}: {issue.message}  [{issue.rule_source}]"
                print(f"  {label:7} {printable(line)}")
            if count > len(issues):
                print(f"  ({count} {label}s in all; the first {len(issues)} are listed)")
    return EXIT_OK if result.ok else EXIT_FAILED


def schema_export(args: argparse.Namespace) -> int:
    """Print the lesson JSON Schema, or the strict LLM-facing one."""
    from domain.catalog.registry import UnsupportedVersionError, get_registry

    try:
        version = get_registry().catalog(args.schema_version).schema_version
    except UnsupportedVersionError as exc:
        return fail("schema export", str(exc), EXIT_BAD_INPUT)
    if args.llm:
        from domain.schema.llm import estimate_tokens, llm_json_schema

        schema = llm_json_schema(version)
        print(f"~{estimate_tokens(schema)} tokens", file=sys.stderr)
    else:
        from domain.schema.document import lesson_json_schema

        schema = lesson_json_schema(version)
    print(json.dumps(schema, indent=2))
    return EXIT_OK


def catalog(args: argparse.Namespace) -> int:
    """List a catalog's widgets and their positions."""
    from domain.catalog.registry import UnsupportedVersionError, get_registry

    try:
        found = get_registry().catalog(args.schema_version)
    except UnsupportedVersionError as exc:
        return fail("catalog", str(exc), EXIT_BAD_INPUT)
    print(f"catalog {found.schema_version}  widgets_version {found.widgets_version}")
    for widget in found.widgets.values():
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
