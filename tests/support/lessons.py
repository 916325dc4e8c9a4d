"""Hypothesis strategies for valid lessons, generated from the widget specs.

Values are chosen so that every hard rule holds by construction (texts start with a
language code and contain a blank, indexes are 0 or 1 into lists of two...), with a
hand-written strategy only where a rule ties fields together (the console's mode).
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from domain.catalog.registry import get_registry
from domain.catalog.spec import ListType, RecordType, ScalarType, Shape, TypeNode, WidgetSpec

Json = Any
TEXT = st.text(alphabet=string.ascii_letters + " éßü", min_size=1, max_size=8).map(
    lambda t: f"EN: {t.strip() or 'x'} ___"
)
_FIELD_OVERRIDES: dict[tuple[str, str], st.SearchStrategy[Json]] = {
    ("treeview", "lesson"): st.sampled_from([{"blocks": []}, '{"blocks": []}']),
    ("freeText", "mode"): st.sampled_from([None, "single"]),
}
MAX_DEPTH = 2


def _recursive(widget: WidgetSpec, shape: Shape) -> bool:
    def refers(node: TypeNode) -> bool:
        return isinstance(node, RecordType) or (isinstance(node, ListType) and refers(node.item))

    return any(refers(f.type) for f in shape.fields)


def value_of(widget: WidgetSpec, node: TypeNode, depth: int) -> st.SearchStrategy[Json]:
    if isinstance(node, ListType):
        item = value_of(widget, node.item, depth)
        if isinstance(node.item, ScalarType | ListType):
            return st.lists(item, min_size=2, max_size=2)
        return st.lists(item, min_size=1, max_size=2)
    if isinstance(node, RecordType):
        record = widget.records[node.name]
        shapes = [s for s in record.shapes if depth < MAX_DEPTH or not _recursive(widget, s)]
        return st.one_of(*[shape_of(widget, s, depth + 1) for s in shapes])
    assert isinstance(node, ScalarType)
    if "string" in node.names:
        return TEXT
    if "integer" in node.names:
        return st.sampled_from([0, 1])
    return st.just(True)


def shape_of(widget: WidgetSpec, shape: Shape, depth: int) -> st.SearchStrategy[dict[str, Json]]:
    fields: dict[str, st.SearchStrategy[Json]] = {}
    if shape.kind is not None:
        fields["kind"] = st.just(shape.kind)
    for field in shape.fields:
        override = _FIELD_OVERRIDES.get((widget.key, field.name))
        value = value_of(widget, field.type, depth) if override is None else override
        fields[field.name] = value if field.required else st.none() | value
    return st.fixed_dictionaries(fields)


@st.composite
def console(draw: st.DrawFn, widget: WidgetSpec) -> dict[str, Json]:
    """The console ties entries (and guided tasks) to its mode."""
    variant = draw(st.sampled_from(widget.records["entry"].shapes))
    entry = dict(draw(shape_of(widget, variant, MAX_DEPTH)))
    if variant.kind == "interactive":
        entry["level"] = draw(st.sampled_from(["ok", "err"]))
    guide = shape_of(widget, widget.records["guide"].shapes[0], MAX_DEPTH)
    guided = (
        draw(st.none() | st.lists(guide, min_size=1, max_size=2)) if variant.when == 1 else None
    )
    return {
        "type": "console",
        "lead": draw(TEXT),
        "mode": variant.when,
        "entries": [entry],
        "guided": guided,
    }


def full_widget(widget: WidgetSpec) -> st.SearchStrategy[dict[str, Json]]:
    if widget.key == "console":
        return console(widget)
    return shape_of(widget, widget.shape, 0).map(lambda d: {"type": widget.key, **d})


def full_lessons(version: str) -> st.SearchStrategy[dict[str, Json]]:
    """Canonical full-form lessons of ``version`` (as ``expand`` returns them)."""
    catalog = get_registry().catalog(version)
    items = st.one_of(*[full_widget(w) for w in catalog.widgets.values()])
    leaf = st.fixed_dictionaries(
        {"section": TEXT, "items": st.lists(items, max_size=4), "subsections": st.none()}
    )
    section = st.fixed_dictionaries(
        {
            "section": TEXT,
            "items": st.lists(items, max_size=4),
            "subsections": st.none() | st.lists(leaf, max_size=2),
        }
    )
    quiz = catalog.block_widget
    quiz_block = full_widget(quiz).map(
        lambda w: {quiz.key: {k: v for k, v in w.items() if k != "type"}}
    )
    blocks = st.lists(section, min_size=1, max_size=3).flatmap(
        lambda sections: st.just(sections) | quiz_block.map(lambda q: [*sections, q])
    )
    return st.fixed_dictionaries(
        {"schema_version": st.just(version), "title": TEXT, "blocks": blocks}
    )


def json_values() -> st.SearchStrategy[Json]:
    """Any JSON value, biased towards the keys and shapes of lessons."""
    keys = st.sampled_from(
        ["title", "blocks", "schema_version", "section", "items", "subsections", "type", "kind",
         "flip", "mcqs", "quiz", "console", "stepFlow", "checklist", "q", "c", "a", "e"]
    ) | st.text(max_size=5)  # fmt: skip
    return st.recursive(
        json_scalars(),
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=40,
    )


def json_scalars() -> st.SearchStrategy[Json]:
    """JSON scalars, with values that lessons use (versions, blanks, answers)."""
    return (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**70), max_value=2**70)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=10)
        | st.sampled_from(["1.0", "1.1", "", "___", "EN: x", "(", "ok"])
    )


def paths_of(value: Json, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_of(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths_of(item, (*prefix, index))
    return found
