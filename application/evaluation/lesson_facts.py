"""Facts an evaluation records of a valid lesson: its widget mix and DLE client-rule checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from application.responses import lesson_in_format
from domain.validation.document import validate_lesson

# What DLE's client would refuse in a lesson as it is served to it (shorthand): the codes
# of the rules broken, one per violation.
ClientRuleCheck = Callable[[dict[str, Any]], Sequence[str]]


def widget_mix(full: dict[str, Any]) -> dict[str, int]:
    """How many of each widget a full-form lesson holds (quiz blocks included)."""
    counts: Counter[str] = Counter()
    stack: list[dict[str, Any]] = list(full.get("blocks", []))
    while stack:
        block = stack.pop()
        if "section" not in block:
            counts[next(iter(block))] += 1  # a quiz block: {"mcqs": {...}} / {"quiz": {...}}
            continue
        counts.update(item["type"] for item in block.get("items", []))
        stack.extend(block.get("subsections") or [])
    return dict(sorted(counts.items()))


def served_lesson(full: dict[str, Any]) -> dict[str, Any]:
    """The lesson as the API serves it to DLE: shorthand (DLE does not render full form)."""
    return lesson_in_format(full, "shorthand")


def served_form_violations(served: dict[str, Any]) -> Sequence[str]:
    """The client rules DGS knows, checked on the lesson exactly as DLE receives it.

    DGS's own rules are at least as strict as the client's (``dle-widget-catalog.md``
    section 9), so the served shorthand is validated again: a conversion that lost or
    broke anything shows here as an error code. An independent reading of the client's
    rules plugs in as another ``ClientRuleCheck`` (``runner.Pipeline.client_rules``).
    """
    return tuple(issue.code for issue in validate_lesson(served, served["schema_version"]).errors)
