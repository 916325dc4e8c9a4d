import pytest

from domain.catalog.registry import SUPPORTED_VERSIONS, get_registry
from domain.catalog.spec import Example
from domain.conversion.forms import compact_full
from domain.validation.document import validate_lesson


def _examples() -> list[tuple[str, Example]]:
    registry = get_registry()
    return [(v, e) for v in SUPPORTED_VERSIONS for e in registry.catalog(v).examples]


@pytest.mark.parametrize(("version", "example"), _examples(), ids=lambda x: getattr(x, "widget", x))
def test_every_example_in_widgets_md_validates(version: str, example: Example) -> None:
    lesson = {
        "schema_version": version,
        "title": "Example",
        "blocks": [{"section": "Widget", "items": [example.item]}],
    }
    result = validate_lesson(lesson)
    assert result.errors == (), result.errors
    assert result.ok
    # Written in full form it is valid too, and it compacts back to the example itself:
    # the examples are canonical shorthand.
    assert result.lesson is not None
    full = result.lesson
    assert validate_lesson(full).ok
    compacted = compact_full(full, get_registry().catalog(version))["blocks"][0]["items"][0]
    expected = example.item["p"] if list(example.item) == ["p"] else example.item
    assert compacted == expected
