import hashlib
import json
from importlib import resources

import pytest

from domain.catalog.loader import CatalogError, parse_catalog
from domain.catalog.registry import SUPPORTED_VERSIONS, UnsupportedVersionError, get_registry

WIDGETS_1_1 = {
    "p", "warn", "err", "success", "flip", "tr", "fillblank", "ul", "ol", "table", "compare",
    "swipecards", "freeText", "inputLine", "stepFlow", "asciiDiagram", "checklist", "console",
    "codeviewer", "treeview", "mcqs",
}  # fmt: skip
WIDGETS_1_0 = (WIDGETS_1_1 - {"mcqs", "fillblank", "swipecards", "inputLine"}) | {
    "quiz", "blank", "swipe", "info", "tip",
}  # fmt: skip


def test_every_widget_of_both_versions_parses() -> None:
    registry = get_registry()
    assert set(registry.catalog("1.1").widgets) == WIDGETS_1_1
    assert set(registry.catalog("1.0").widgets) == WIDGETS_1_0
    for version in SUPPORTED_VERSIONS:
        catalog = registry.catalog(version)
        for widget in catalog.widgets.values():
            assert widget.description, widget.key
            assert widget.anchor == f"widgets-{version}.md#{widget.key.lower()}"
            examples = [e for e in catalog.examples if e.widget == widget.key]
            assert examples, f"{version} {widget.key} has no example"


def test_default_version_is_1_1_and_unknown_versions_are_refused() -> None:
    registry = get_registry()
    assert registry.catalog().schema_version == "1.1"
    with pytest.raises(UnsupportedVersionError):
        registry.catalog("2.0")


def test_widgets_version_is_the_sha256_of_the_file() -> None:
    for version in SUPPORTED_VERSIONS:
        raw = resources.files("domain.catalog").joinpath(f"widgets-{version}.md").read_bytes()
        catalog = get_registry().catalog(version)
        assert catalog.widgets_version == hashlib.sha256(raw).hexdigest()
    assert (
        get_registry().catalog("1.0").widgets_version
        != get_registry().catalog("1.1").widgets_version
    )


def test_registry_is_built_once() -> None:
    assert get_registry() is get_registry()


HEADER = '# t\n\n```dle-catalog\n{"schema_version": "1.1"}\n```\n\n'


def widget_section(spec: dict[str, object], example: object = None, heading: str = "x") -> str:
    example = {"x": "hi"} if example is None else example
    return (
        f"## {heading}\n\nA widget.\n\n```dle-spec\n{json.dumps(spec, indent=2)}\n```\n\n"
        f"```dle-example\n{json.dumps(example)}\n```\n\n"
    )


def text_spec(**extra: object) -> dict[str, object]:
    spec: dict[str, object] = {
        "widget": "x",
        "shorthand": "string",
        "block": True,
        "fields": [{"name": "text", "type": "string"}],
    }
    spec.update(extra)
    return spec


def test_a_minimal_catalog_parses() -> None:
    catalog = parse_catalog(HEADER + widget_section(text_spec()), "t.md", "1.1")
    assert list(catalog.widgets) == ["x"]
    assert catalog.examples[0].item == {"x": "hi"}


def fails(text: str, match: str, version: str = "1.1") -> CatalogError:
    with pytest.raises(CatalogError, match=match) as info:
        parse_catalog(text, "t.md", version)
    assert info.value.file_name == "t.md"
    assert info.value.line >= 1
    return info.value


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (text_spec(hard=[{"rule": "no_such_rule", "field": "text"}]), "rule"),
        (text_spec(hard=[{"rule": "max_length", "field": "text"}]), "max"),
        (text_spec(hard=[{"rule": "max_length", "field": "text", "max": 3, "min": 1}]), "min"),
        (text_spec(hard=[{"rule": "non_empty", "field": "nope"}]), "no field 'nope'"),
        (text_spec(hard=[{"rule": "non_empty", "field": "text/*"}]), "non-array"),
        (text_spec(hard=[{"rule": "pattern", "field": "text", "regex": "("}]), "regex"),
        (text_spec(fields=[{"name": "text", "type": "strin"}]), "names no scalar"),
        (text_spec(fields=[{"name": "text", "type": "string", "color": "red"}]), "color"),
        (text_spec(fields=[{"name": "text", "type": "string", "required": False}]), "default"),
        (text_spec(shorthand="sideways"), "shorthand"),
        (text_spec(shorthand="list"), "wrong type"),
        (
            text_spec(
                records={"r": {"shorthand": "object", "fields": [{"name": "a", "type": "string"}]}}
            ),
            "never used",
        ),
        (text_spec(widget="x y"), "widget"),
        (text_spec(fields=[{"name": "text", "type": "string", "text": "poem"}]), "text"),
        (text_spec(hard=[{"rule": "safe_text", "field": "text", "kind": "prose"}]), "rule"),
        (text_spec(hard=[{"rule": "non_empty", "field": "@nope/text"}]), "no record 'nope'"),
        (
            {
                "widget": "x",
                "block": True,
                "shorthand": "positional",
                "fields": [
                    {"name": "a", "type": "string", "required": False, "default": ""},
                    {"name": "b", "type": "string"},
                ],
            },
            "required positions must come before",
        ),
        (
            {
                "widget": "x",
                "block": True,
                "shorthand": "positional",
                "fields": [{"name": "a", "type": "integer", "required": False, "default": "0"}],
            },
            "default of 'a' does not match",
        ),
        (
            {
                "widget": "x",
                "block": True,
                "shorthand": "list",
                "fields": [{"name": "nodes", "type": "node[]"}],
                "records": {
                    "node": {
                        "variants": [
                            {
                                "kind": "a",
                                "shorthand": "list",
                                "fields": [{"name": "v", "type": "string[]"}],
                            },
                            {
                                "kind": "b",
                                "shorthand": "positional",
                                "fields": [{"name": "w", "type": "string"}],
                            },
                        ]
                    }
                },
            },
            "differ in JSON type",
        ),
    ],
)
def test_malformed_spec_blocks_fail_loudly(spec: dict[str, object], reason: str) -> None:
    error = fails(HEADER + widget_section(spec), reason)
    assert error.line == HEADER.count("\n") + 6  # the first line of the spec block's JSON


POSITIONAL = {
    "widget": "x",
    "block": True,
    "shorthand": "positional",
    "fields": [
        {"name": "n", "type": "integer"},
        {"name": "code", "type": "string|object", "text": "code"},
        {"name": "rows", "type": "string[][]"},
        {"name": "nodes", "type": "node[]"},
    ],
    "records": {
        "node": {
            "variants": [
                {
                    "kind": "leaf",
                    "shorthand": "string",
                    "fields": [{"name": "t", "type": "string"}],
                },
                {
                    "kind": "group",
                    "shorthand": "positional",
                    "fields": [
                        {"name": "t", "type": "string"},
                        {"name": "kids", "type": "node[]"},
                    ],
                },
            ]
        }
    },
}


def test_every_field_holding_strings_gets_a_text_rule_of_its_kind() -> None:
    example = {"x": [1, "print()", [["a"]], ["leaf"]]}
    catalog = parse_catalog(HEADER + widget_section(POSITIONAL, example), "t.md", "1.1")
    implied = {
        (s.record, s.path, s.rule.kind)  # type: ignore[union-attr]
        for s in catalog.widgets["x"].rules
        if s.implied
    }
    assert implied == {
        (None, ("code",), "code"),
        (None, ("rows", "*", "*"), "prose"),
        ("node", ("t",), "prose"),
    }


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("@node/kids/t", "a field, or its elements"),
        ("@node/missing", "no field 'missing'"),
        ("@node", "a field, or its elements"),
    ],
)
def test_record_rule_paths_are_checked(field: str, reason: str) -> None:
    spec = {**POSITIONAL, "hard": [{"rule": "non_empty", "field": field}]}
    fails(HEADER + widget_section(spec, {"x": [1, "c", [], []]}), reason)


def test_a_text_kind_needs_strings_and_variants_must_agree() -> None:
    fields = [{"name": "n", "type": "integer", "text": "code"}]
    fails(HEADER + widget_section(text_spec(shorthand="positional", fields=fields)), "no string")
    spec = json.loads(json.dumps(POSITIONAL))
    spec["records"]["node"]["variants"][1]["fields"][0]["text"] = "code"
    fails(HEADER + widget_section(spec, {"x": [1, "c", [], []]}), "variants differ on 't'")


def test_bad_json_names_its_line() -> None:
    text = HEADER + '## x\n\n```dle-spec\n{\n  "widget": "x",\n  oops\n}\n```\n'
    error = fails(text, "bad JSON")
    assert error.line == HEADER.count("\n") + 6


def test_structural_mistakes_fail_loudly() -> None:
    fails("## x\n\n```dle-spec\n{}\n```\n", "before the first section|no dle-catalog")
    fails(HEADER.replace("1.1", "1.0"), "expected '1.1'")
    fails(HEADER + "## x\n\n```dle-spec\n{}\n", "never closed")
    fails(HEADER + widget_section(text_spec(), heading="y"), "under heading 'y'")
    fails(HEADER + widget_section(text_spec()) + widget_section(text_spec()), "defined twice")
    fails(HEADER + widget_section(text_spec(), example={"y": "hi"}), "example must be")
    no_example = HEADER + "## x\n\n```dle-spec\n" + json.dumps(text_spec()) + "\n```\n"
    fails(no_example, "no dle-example")
    fails(HEADER + "## prose\n\n```dle-example\n{}\n```\n", "outside a widget section")
    fails(HEADER + widget_section(text_spec(block=False)), "exactly one widget")
    fails(HEADER, "defines no widget")
    two_specs = widget_section(text_spec()).replace(
        "```dle-example", "```dle-spec\n{}\n```\n\n```dle-example", 1
    )
    fails(HEADER + two_specs, "one dle-spec block at most")


def test_prose_code_blocks_are_not_read() -> None:
    text = HEADER + "## Notes\n\n```json\n{not json at all\n```\n\n" + widget_section(text_spec())
    assert list(parse_catalog(text, "t.md", "1.1").widgets) == ["x"]
