"""Map a location in the full form back to the payload as given, shorthand or not.

Errors come from the pydantic model and from rules, both speaking full-form field
names; users need the path into what they sent, e.g. ``flip/1`` rather than ``back``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.catalog.spec import ListType, RecordType, ScalarType, Shape, TypeNode, WidgetSpec
from domain.validation.result import Path

_ARTICLES = {"string": "a string", "integer": "an integer", "boolean": "a boolean"}


@dataclass(frozen=True, slots=True)
class Located:
    """Where a full-form location lies in the input, and what is expected there."""

    path: Path
    positional: bool  # the last step was a position of a shorthand array
    expected: TypeNode | Shape | None


def locate(widget: WidgetSpec, given: Any, loc: tuple[str | int, ...]) -> Located:
    """Follow ``loc`` (full-form names and indexes) through the value as given."""
    path: list[str | int] = []
    positional = False
    current: TypeNode | Shape = widget.shape
    steps = list(loc)
    while steps:
        step = steps.pop(0)
        if isinstance(current, Shape):
            field = current.field(step) if isinstance(step, str) else None
            if field is None:
                path.append(step)
                return Located(tuple(path), False, None)
            positional = False
            if isinstance(given, dict):
                path.append(step)
                given = given.get(step)
            elif current.shorthand == "positional" and isinstance(given, list):
                index = current.fields.index(field)
                path.append(index)
                given = given[index] if index < len(given) else None
                positional = True
            current = field.type
        elif isinstance(current, ListType):
            if not isinstance(step, int):
                break
            path.append(step)
            positional = False
            given = given[step] if isinstance(given, list) and 0 <= step < len(given) else None
            current = current.item
        elif isinstance(current, RecordType):
            record = widget.records[current.name]
            tagged = record.variant(step) if record.is_variant else None
            if tagged is not None:
                current = tagged  # a union tag in a pydantic location: not a path step
                continue
            current = next(
                (s for s in record.shapes if isinstance(step, str) and s.field(step)),
                record.shapes[0],
            )
            steps.insert(0, step)
        else:
            break  # a scalar union's member name: the path ends at the scalar
    return Located(tuple(path), positional, current)


def describe(expected: TypeNode | Shape | None, widget: WidgetSpec) -> str:
    """Say in words what a value of this type looks like."""
    if isinstance(expected, ScalarType):
        names = sorted(expected.names)
        return " or ".join(_ARTICLES.get(n, "an object") for n in names)
    if isinstance(expected, ListType):
        return f"an array of {_plural(describe(expected.item, widget))}"
    if isinstance(expected, RecordType):
        record = widget.records[expected.name]
        forms = sorted({_shorthand_words(s) for s in record.shapes})
        return f"{' or '.join(forms)} ({expected.name})"
    if isinstance(expected, Shape):
        return _shorthand_words(expected)
    return "a valid value"


def _shorthand_words(shape: Shape) -> str:
    return {"string": "a string", "object": "an object"}.get(shape.shorthand, "an array")


def _plural(words: str) -> str:
    for article in ("an ", "a "):
        if words.startswith(article):
            words = words[len(article) :]
            break
    head, _, rest = words.partition(" ")
    return f"{head}s {rest}".rstrip()
