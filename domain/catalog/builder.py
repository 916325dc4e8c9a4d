"""Compile one widget section's spec block into a ``WidgetSpec``, checking it is complete.

Types, shapes, records and rule paths are checked against each other; anything
ambiguous raises ``CatalogError`` naming the file, the line and the reason. Every field
holding strings gets the text rule of its kind (``safe_text``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from domain.catalog.markdown import CatalogError, Section, read_model
from domain.catalog.rules import Rule, SafeText
from domain.catalog.spec import (
    SCALARS,
    FieldSpec,
    ListType,
    RecordSpec,
    RecordType,
    RuleSpec,
    ScalarType,
    Shape,
    Shorthand,
    TypeNode,
    WidgetSpec,
)
from domain.catalog.spec_docs import FieldDoc, RecordDoc, SpecDoc

_TYPE = re.compile(r"^(?P<base>[A-Za-z]+(?:\|[A-Za-z]+)*)(?P<dims>(?:\[\])*)$")
_RESERVED_FIELDS = frozenset({"type", "kind"})
_RECORD_RULE_PATH = re.compile(r"^[A-Za-z]\w*(/\*){0,2}$")
_PYTHON_TYPES = {"string": str, "integer": int, "boolean": bool}


class WidgetBuilder:
    """Compile one widget section's spec block, checking it is complete and unambiguous."""

    def __init__(self, file_name: str, section: Section) -> None:
        assert section.spec is not None
        self.file_name = file_name
        self.section = section
        self.line = section.spec[0]
        self.doc = read_model(SpecDoc, section.spec, file_name)
        self.used_records: set[str] = set()

    def fail(self, reason: str) -> CatalogError:
        """The error to raise: at the spec block, naming the widget."""
        return CatalogError(self.file_name, self.line, f"{self.doc.widget}: {reason}")

    def build(self) -> WidgetSpec:
        """The widget the spec block defines, with its records and every rule."""
        doc = self.doc
        if self.section.title != doc.widget:
            raise self.fail(f"spec sits under heading {self.section.title!r}")
        shape = self.shape(doc.shorthand, doc.fields)
        records = {name: self.record(name, rec, shape) for name, rec in doc.records.items()}
        unused = set(records) - self.used_records
        if unused:
            raise self.fail(f"records defined but never used: {sorted(unused)}")
        anchor = f"{self.file_name}#{doc.widget.lower()}"
        rules = [self.rule(r, "error", anchor, shape, records) for r in doc.hard]
        rules += [self.rule(r, "warning", anchor, shape, records) for r in doc.soft]
        rules += self.text_rules(anchor, shape, records)
        return WidgetSpec(
            key=doc.widget,
            shape=shape,
            records=records,
            rules=tuple(rules),
            block=doc.block,
            anchor=anchor,
            description=" ".join(" ".join(self.section.prose).split()),
        )

    def type_node(self, text: str) -> TypeNode:
        """Read a field type: scalars (``string|object``), a record, ``[]`` for arrays."""
        match = _TYPE.match(text)
        if match is None:
            raise self.fail(f"cannot read type {text!r}")
        names = match.group("base").split("|")
        node: TypeNode
        if len(names) == 1 and names[0] not in SCALARS:
            if names[0] not in self.doc.records:
                raise self.fail(f"type {text!r} names no scalar and no record")
            self.used_records.add(names[0])
            node = RecordType(names[0])
        elif all(name in SCALARS for name in names) and len(set(names)) == len(names):
            node = ScalarType(frozenset(names))
        else:
            raise self.fail(f"type {text!r}: only distinct scalars may be alternatives")
        for _ in range(len(match.group("dims")) // 2):
            node = ListType(node)
        return node

    def shape(
        self,
        shorthand: Shorthand,
        docs: list[FieldDoc],
        kind: str | None = None,
        when: Any = None,
    ) -> Shape:
        """A shape: its fields, checked against the shorthand that carries them."""
        fields = tuple(self.field_spec(d) for d in docs)
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise self.fail(f"field names repeat: {names}")
        if shorthand in ("string", "list"):
            wanted = ScalarType(frozenset({"string"})) if shorthand == "string" else None
            only = fields[0]
            if len(fields) != 1 or not only.required:
                raise self.fail(f"{shorthand} shorthand carries exactly one required field")
            if (wanted and only.type != wanted) or (
                shorthand == "list" and not isinstance(only.type, ListType)
            ):
                raise self.fail(f"{shorthand} shorthand field {only.name!r} has the wrong type")
        if shorthand == "positional":
            required = [f.required for f in fields]
            if required != sorted(required, reverse=True):
                raise self.fail("required positions must come before optional ones")
        return Shape(shorthand, fields, kind, when)

    def field_spec(self, doc: FieldDoc) -> FieldSpec:
        """A field: its type, whether required, its default and its text kind."""
        if doc.name in _RESERVED_FIELDS:
            raise self.fail(f"field name {doc.name!r} is reserved")
        node = self.type_node(doc.type)
        has_default = "default" in doc.model_fields_set
        if doc.required and has_default:
            raise self.fail(f"required field {doc.name!r} cannot have a default")
        if not doc.required and not has_default:
            raise self.fail(f"optional field {doc.name!r} needs a default")
        if doc.default is not None:
            expected = (
                _PYTHON_TYPES.get(next(iter(node.names)))
                if isinstance(node, ScalarType) and len(node.names) == 1
                else None
            )
            if expected is None or type(doc.default) is not expected:
                raise self.fail(f"default of {doc.name!r} does not match its type")
        dimensions = _text_dimensions(node)
        holds_text = dimensions is not None
        if dimensions is not None and dimensions > 2:
            raise self.fail(f"field {doc.name!r}: strings more than 2 arrays deep")
        if doc.text is not None and not holds_text:
            raise self.fail(f"field {doc.name!r} holds no string: it has no text kind")
        text = (doc.text or "prose") if holds_text else None
        return FieldSpec(doc.name, node, doc.required, doc.default, text)

    def record(self, name: str, doc: RecordDoc, root: Shape) -> RecordSpec:
        """A record: one shape, or variants told apart by a selector or by JSON type."""
        if doc.variants is None:
            if doc.shorthand is None or doc.fields is None or doc.select_by is not None:
                raise self.fail(f"record {name!r} needs shorthand and fields, or variants")
            return RecordSpec(name, (self.shape(doc.shorthand, doc.fields),))
        if doc.shorthand is not None or doc.fields is not None:
            raise self.fail(f"record {name!r} mixes variants with shorthand or fields")
        shapes = tuple(self.shape(v.shorthand, v.fields, v.kind, v.when) for v in doc.variants)
        kinds = [s.kind for s in shapes]
        if len(set(kinds)) != len(kinds):
            raise self.fail(f"record {name!r} repeats a variant kind")
        if doc.select_by is not None:
            if root.field(doc.select_by) is None:
                raise self.fail(f"record {name!r} selects by unknown field {doc.select_by!r}")
            whens = [s.when for s in shapes]
            if None in whens or len({json.dumps(w) for w in whens}) != len(whens):
                raise self.fail(f"record {name!r} needs a distinct 'when' on every variant")
        else:
            json_kinds = [s.json_kind for s in shapes]
            if any(s.when is not None for s in shapes):
                raise self.fail(f"record {name!r} has 'when' but no select_by")
            if dict in json_kinds or len(set(json_kinds)) != len(json_kinds):
                raise self.fail(f"record {name!r}: variants must differ in JSON type")
        return RecordSpec(name, shapes, doc.select_by)

    def rule(
        self,
        rule: Rule,
        severity: Literal["error", "warning"],
        anchor: str,
        root: Shape,
        records: dict[str, RecordSpec],
    ) -> RuleSpec:
        """A rule with its path checked against the widget's fields and records."""
        field = rule.field
        record: str | None = None
        shapes: tuple[Shape, ...] = (root,)
        if field.startswith("@"):  # @record/path: in every value of the record
            record, _, field = field[1:].partition("/")
            if record not in records:
                raise self.fail(f"rule path {rule.field!r}: no record {record!r}")
            if not _RECORD_RULE_PATH.match(field):
                raise self.fail(f"rule path {rule.field!r}: a field, or its elements (/*)")
            shapes = records[record].shapes
        path = () if field == "." else tuple(field.split("/"))
        node: TypeNode | None = None
        for part in path:
            where = f"rule path {rule.field!r}"
            if part == "*":
                if not isinstance(node, ListType):
                    raise self.fail(f"{where}: '*' on a non-array")
                node = node.item
                continue
            if node is not None:
                if not isinstance(node, RecordType):
                    raise self.fail(f"{where}: {part!r} on a scalar or array")
                shapes = records[node.name].shapes
            found = [f for s in shapes if (f := s.field(part)) is not None]
            if not found:
                raise self.fail(f"{where}: no field {part!r}")
            node = found[0].type
        return RuleSpec(rule, path, severity, anchor, record)

    def text_rules(
        self, anchor: str, root: Shape, records: dict[str, RecordSpec]
    ) -> list[RuleSpec]:
        """A ``safe_text`` rule on every field holding strings, of the field's text kind."""
        fields: list[tuple[str | None, FieldSpec]] = [(None, f) for f in root.fields]
        for name, record_spec in records.items():
            seen: dict[str, FieldSpec] = {}
            for shape in record_spec.shapes:
                for spec in shape.fields:
                    other = seen.setdefault(spec.name, spec)
                    if (other.type, other.text) != (spec.type, spec.text):
                        raise self.fail(f"record {name!r}: variants differ on {spec.name!r}")
            fields += [(name, spec) for spec in seen.values()]
        rules = []
        for record, spec in fields:
            dimensions = _text_dimensions(spec.type)
            if spec.text is None or dimensions is None:
                continue
            path = (spec.name, *["*"] * dimensions)
            written = "/".join(path) if record is None else f"@{record}/{'/'.join(path)}"
            rule = SafeText(rule="safe_text", field=written, kind=spec.text)
            rules.append(RuleSpec(rule, path, "error", anchor, record, implied=True))
        return rules


def _text_dimensions(node: TypeNode) -> int | None:
    """How many arrays deep a type holds strings (``string`` 0, ``string[][]`` 2), or None."""
    dimensions = 0
    while isinstance(node, ListType):
        node, dimensions = node.item, dimensions + 1
    return dimensions if isinstance(node, ScalarType) and "string" in node.names else None
