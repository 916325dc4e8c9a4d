import typing
from typing import Any

import pytest
from typing_extensions import is_typeddict

from domain.catalog.registry import SUPPORTED_VERSIONS, get_registry
from domain.catalog.spec import RecordType, Shape, WidgetSpec
from domain.lesson.models import MODELS


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_the_widget_set_of_the_models_is_the_widget_set_of_widgets_md(version: str) -> None:
    assert set(MODELS[version].widgets) == set(get_registry().catalog(version).widgets)


def _nested_model(annotation: object, name: str) -> list[Any]:
    """Models reachable from a field annotation (lists and unions unwrapped)."""
    found: list[Any] = []
    stack = [annotation]
    while stack:
        current = stack.pop()
        if is_typeddict(current):
            found.append(current)
        stack.extend(typing.get_args(current))
    assert found, f"no model behind field {name}"
    return found


def _assert_shape_matches(
    shape: Shape, model: Any, widget: WidgetSpec, seen: set[type] | None = None
) -> None:
    seen = set() if seen is None else seen
    if model in seen:  # recursive records: each model is compared once
        return
    seen.add(model)
    fields = typing.get_type_hints(model, include_extras=True)
    # The canonical full form has every field, optional ones set to None.
    assert model.__required_keys__ == frozenset(fields), model.__name__
    fields.pop("type", None)
    tag = fields.pop("kind", None)
    assert (tag is not None) == (shape.kind is not None), model.__name__
    assert [f.name for f in shape.fields] == list(fields), model.__name__
    for spec_field in shape.fields:
        hint = fields[spec_field.name]
        nullable = type(None) in typing.get_args(hint)
        assert nullable == (not spec_field.required), f"{model.__name__}.{spec_field.name}"
        node = spec_field.type
        while hasattr(node, "item"):
            node = node.item
        if isinstance(node, RecordType):
            record = widget.records[node.name]
            nested = _nested_model(hint, spec_field.name)
            for variant in record.shapes:
                matching = [
                    m
                    for m in nested
                    if "kind" not in m.__annotations__
                    or typing.get_args(typing.get_type_hints(m)["kind"]) == (variant.kind,)
                ]
                assert len(matching) == 1, f"{widget.key}.{record.name}:{variant.kind}"
                _assert_shape_matches(variant, matching[0], widget, seen)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_model_fields_follow_the_spec_fields(version: str) -> None:
    catalog = get_registry().catalog(version)
    for key, model in MODELS[version].widgets.items():
        widget = catalog.widgets[key]
        _assert_shape_matches(widget.shape, model, widget)
