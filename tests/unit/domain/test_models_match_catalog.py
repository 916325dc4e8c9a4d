import typing

import pytest

from domain.catalog.registry import SUPPORTED_VERSIONS, get_registry
from domain.catalog.spec import RecordType, Shape, WidgetSpec
from domain.lesson.models import MODELS
from domain.lesson.widgets import StrictModel


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_the_widget_set_of_the_models_is_the_widget_set_of_widgets_md(version: str) -> None:
    assert set(MODELS[version].widgets) == set(get_registry().catalog(version).widgets)


def _nested_model(annotation: object, name: str) -> list[type[StrictModel]]:
    """Models reachable from a field annotation (lists and unions unwrapped)."""
    found: list[type[StrictModel]] = []
    stack = [annotation]
    while stack:
        current = stack.pop()
        if isinstance(current, type) and issubclass(current, StrictModel):
            found.append(current)
        stack.extend(typing.get_args(current))
    assert found, f"no model behind field {name}"
    return found


def _assert_shape_matches(
    shape: Shape, model: type[StrictModel], widget: WidgetSpec, seen: set[type] | None = None
) -> None:
    seen = set() if seen is None else seen
    if model in seen:  # recursive records: each model is compared once
        return
    seen.add(model)
    fields = dict(model.model_fields)
    fields.pop("type", None)
    tag = fields.pop("kind", None)
    assert (tag is not None) == (shape.kind is not None), model.__name__
    assert [f.name for f in shape.fields] == list(fields), model.__name__
    for spec_field in shape.fields:
        info = fields[spec_field.name]
        assert info.is_required() == spec_field.required, f"{model.__name__}.{spec_field.name}"
        node = spec_field.type
        while hasattr(node, "item"):
            node = node.item
        if isinstance(node, RecordType):
            record = widget.records[node.name]
            # Type hints, not model_fields: recursive nodes are forward references there.
            hint = typing.get_type_hints(model, include_extras=True)[spec_field.name]
            nested = _nested_model(hint, spec_field.name)
            for variant in record.shapes:
                matching = [
                    m
                    for m in nested
                    if "kind" not in m.model_fields
                    or typing.get_args(m.model_fields["kind"].annotation) == (variant.kind,)
                ]
                assert len(matching) == 1, f"{widget.key}.{record.name}:{variant.kind}"
                _assert_shape_matches(variant, matching[0], widget, seen)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_model_fields_follow_the_spec_fields(version: str) -> None:
    catalog = get_registry().catalog(version)
    for key, model in MODELS[version].widgets.items():
        widget = catalog.widgets[key]
        _assert_shape_matches(widget.shape, model, widget)
