"""Conversion between catalog versions 1.0 and 1.1, on canonical full form.

Renamed widgets map directly. What has no exact counterpart is carried by the nearest
widget and reported as a warning; nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.catalog.registry import get_registry
from domain.conversion.forms import expand
from domain.validation.document import validate_lesson
from domain.validation.result import Issue, Path, pointer

_RENAMED_UP = {"quiz": "mcqs", "blank": "fillblank", "swipe": "swipecards"}
_RENAMED_DOWN = {new: old for old, new in _RENAMED_UP.items()}
_CALLOUT_LABELS = {"info": "Key insight", "tip": "Tip"}


@dataclass(frozen=True, slots=True)
class Converted:
    """A lesson in the target version (canonical full form) and what changed on the way."""

    lesson: dict[str, Any]
    warnings: tuple[Issue, ...]


class _Warnings:
    def __init__(self, source_file: str) -> None:
        self.source_file = source_file
        self.issues: list[Issue] = []

    def add(self, path: Path, code: str, widget: str, message: str) -> None:
        anchor = f"{self.source_file}#{widget.lower()}"
        self.issues.append(Issue(pointer(path), code, message, anchor))


def convert_lesson(payload: Any, target: str) -> Converted:
    """Convert a valid lesson of any supported version to catalog ``target``."""
    full = expand(payload)
    source = full["schema_version"]
    registry = get_registry()
    registry.catalog(target)  # refuse an unsupported target before any work
    if source == target:
        return Converted(full, ())
    warnings = _Warnings(registry.catalog(source).file_name)
    convert_item = _item_up if target == "1.1" else _item_down
    renamed = _RENAMED_UP if target == "1.1" else _RENAMED_DOWN

    def block(value: dict[str, Any], path: Path) -> dict[str, Any]:
        if "section" in value:
            return section(value, path)
        ((key, quiz),) = value.items()
        return {renamed[key]: quiz}

    def section(value: dict[str, Any], path: Path) -> dict[str, Any]:
        items = [
            convert_item(item, (*path, "items", i), warnings)
            for i, item in enumerate(value["items"])
        ]
        subsections = value["subsections"]
        return {
            "section": value["section"],
            "items": items,
            "subsections": None
            if subsections is None
            else [section(s, (*path, "subsections", i)) for i, s in enumerate(subsections)],
        }

    converted = {
        "schema_version": target,
        "title": full["title"],
        "blocks": [block(b, ("blocks", i)) for i, b in enumerate(full["blocks"])],
    }
    result = validate_lesson(converted, target)
    if result.lesson is None:  # pragma: no cover - a conversion bug, never a user error
        raise AssertionError(f"conversion to {target} produced an invalid lesson: {result}")
    return Converted(result.lesson, tuple(warnings.issues))


def _item_up(item: dict[str, Any], path: Path, warnings: _Warnings) -> dict[str, Any]:
    """A 1.0 item in 1.1."""
    kind = item["type"]
    if kind in _CALLOUT_LABELS:
        message = f"1.1 has no {kind} callout; carried as a paragraph"
        warnings.add(path, "conversion.widget_replaced", kind, message)
        return {"type": "p", "text": f"{_CALLOUT_LABELS[kind]}: {item['text']}"}
    if kind == "freeText":
        return _free_text_up(item, path, warnings)
    return {**item, "type": _RENAMED_UP.get(kind, kind)}


def _free_text_up(item: dict[str, Any], path: Path, warnings: _Warnings) -> dict[str, Any]:
    def drop(field: str, why: str) -> None:
        if item[field] is not None:
            message = f"{why}; dropped {field}={item[field]!r}"
            warnings.add((*path, field), "conversion.field_dropped", "freeText", message)

    drop("text", "1.1 freeText has no editable initial text")
    common = {"prompt": item["prompt"], "lang": item["lang"], "wordlistCsv": item["wordlistCsv"]}
    if item["mode"] == "single":
        message = "a single-line freeText is an inputLine in 1.1"
        warnings.add(path, "conversion.widget_replaced", "freeText", message)
        drop("seedLocked", "inputLine has no locked seed")
        return {"type": "inputLine", **common}
    return {"type": "freeText", "seedLocked": item["seedLocked"], **common}


def _item_down(item: dict[str, Any], path: Path, warnings: _Warnings) -> dict[str, Any]:
    """A 1.1 item in 1.0."""
    kind = item["type"]
    if kind == "inputLine":
        message = "1.0 has no inputLine; carried as a single-line freeText"
        warnings.add(path, "conversion.widget_replaced", kind, message)
        return {**item, "type": "freeText", "seedLocked": None, "text": None, "mode": "single"}
    if kind == "freeText":
        return {**item, "text": None, "mode": None}
    return {**item, "type": _RENAMED_DOWN.get(kind, kind)}
