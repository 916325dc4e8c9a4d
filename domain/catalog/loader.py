"""Parse a widgets.md file into a ``Catalog``, strictly.

Only fenced ``dle-catalog``, ``dle-spec`` and ``dle-example`` blocks are read; prose is
kept as descriptions and never interpreted. Anything malformed or ambiguous raises
``CatalogError`` naming the file, the line and the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.catalog.rules import Rule, SafeText, SpecRule
from domain.catalog.spec import (
    SCALARS,
    Catalog,
    Example,
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

_FENCE = re.compile(r"^```\s*(?P<info>[\w-]*)\s*$")
_HEADING = re.compile(r"^## +(?P<title>\S.*?)\s*$")
_TYPE = re.compile(r"^(?P<base>[A-Za-z]+(?:\|[A-Za-z]+)*)(?P<dims>(?:\[\])*)$")
_RESERVED_FIELDS = frozenset({"type", "kind"})
_RECORD_RULE_PATH = re.compile(r"^[A-Za-z]\w*(/\*){0,2}$")
_PYTHON_TYPES = {"string": str, "integer": int, "boolean": bool}
_M = TypeVar("_M", bound=BaseModel)


class CatalogError(ValueError):
    """A widgets.md file that cannot be read as a catalog."""

    def __init__(self, file_name: str, line: int, reason: str) -> None:
        super().__init__(f"{file_name}:{line}: {reason}")
        self.file_name = file_name
        self.line = line
        self.reason = reason


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _FieldDoc(_Doc):
    name: str = Field(min_length=1)
    type: str
    required: bool = True
    default: str | int | bool | None = None
    text: Literal["prose", "code"] | None = None


class _ShapeDoc(_Doc):
    shorthand: Shorthand
    fields: list[_FieldDoc] = Field(min_length=1)


class _VariantDoc(_ShapeDoc):
    kind: str = Field(min_length=1)
    when: str | int | None = None


class _RecordDoc(_Doc):
    shorthand: Shorthand | None = None
    fields: list[_FieldDoc] | None = None
    variants: list[_VariantDoc] | None = Field(default=None, min_length=2)
    select_by: str | None = None


class _SpecDoc(_ShapeDoc):
    widget: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$")
    block: bool = False
    records: dict[str, _RecordDoc] = Field(default_factory=dict)
    hard: list[SpecRule] = Field(default_factory=list)
    soft: list[SpecRule] = Field(default_factory=list)


class _CatalogDoc(_Doc):
    schema_version: str


@dataclass
class _Section:
    title: str
    line: int
    prose: list[str] = field(default_factory=list)
    spec: tuple[int, str] | None = None
    examples: list[tuple[int, str]] = field(default_factory=list)


def parse_catalog(text: str, file_name: str, expected_version: str) -> Catalog:
    """Build the catalog of ``expected_version`` from the text of its widgets.md."""
    header, sections = _split(text, file_name)
    if header is None:
        raise CatalogError(file_name, 1, "no dle-catalog block before the first section")
    catalog_doc = _model(_CatalogDoc, header, file_name)
    if catalog_doc.schema_version != expected_version:
        raise CatalogError(
            file_name,
            header[0],
            f"declares schema_version {catalog_doc.schema_version!r}, "
            f"expected {expected_version!r}",
        )
    widgets: dict[str, WidgetSpec] = {}
    examples: list[Example] = []
    for section in sections:
        if section.spec is None:
            if section.examples:
                line = section.examples[0][0]
                raise CatalogError(file_name, line, "dle-example outside a widget section")
            continue
        widget = _Builder(file_name, section).build()
        if widget.key in widgets:
            raise CatalogError(file_name, section.line, f"widget {widget.key!r} defined twice")
        widgets[widget.key] = widget
        examples.extend(_examples(file_name, section, widget.key))
    if not widgets:
        raise CatalogError(file_name, 1, "defines no widget")
    if sum(w.block for w in widgets.values()) != 1:
        raise CatalogError(file_name, 1, "exactly one widget must be usable as a block")
    return Catalog(
        schema_version=expected_version,
        file_name=file_name,
        text=text,
        widgets_version=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        widgets=widgets,
        examples=tuple(examples),
    )


def _split(text: str, file_name: str) -> tuple[tuple[int, str] | None, list[_Section]]:
    """Cut the text into the catalog header block and the ``## `` sections."""
    header: tuple[int, str] | None = None
    sections: list[_Section] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence is None:
            heading = _HEADING.match(line)
            if heading:
                sections.append(_Section(heading.group("title"), index + 1))
            elif sections:
                sections[-1].prose.append(line)
            index += 1
            continue
        start = index + 1
        end = next((i for i in range(start, len(lines)) if lines[i].strip() == "```"), None)
        if end is None:
            raise CatalogError(file_name, start, "code block is never closed")
        body = (start + 1, "\n".join(lines[start:end]))
        info = fence.group("info")
        if info == "dle-catalog":
            if header is not None or sections:
                raise CatalogError(file_name, start, "dle-catalog must come once, before sections")
            header = body
        elif info in ("dle-spec", "dle-example"):
            if not sections:
                raise CatalogError(file_name, start, f"{info} before the first section")
            section = sections[-1]
            if info == "dle-example":
                section.examples.append(body)
            elif section.spec is not None:
                raise CatalogError(file_name, start, "a section has one dle-spec block at most")
            else:
                section.spec = body
        index = end + 1
    return header, sections


def _json(block: tuple[int, str], file_name: str) -> Any:
    first_line, body = block
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise CatalogError(file_name, first_line + exc.lineno - 1, f"bad JSON: {exc.msg}") from exc


def _model(model: type[_M], block: tuple[int, str], file_name: str) -> _M:
    data = _json(block, file_name)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(part) for part in first["loc"]) or "(root)"
        raise CatalogError(file_name, block[0], f"{where}: {first['msg']}") from exc


def _examples(file_name: str, section: _Section, key: str) -> list[Example]:
    if not section.examples:
        raise CatalogError(file_name, section.line, f"widget {key!r} has no dle-example")
    found = []
    for block in section.examples:
        item = _json(block, file_name)
        if not (isinstance(item, dict) and list(item) == [key]):
            raise CatalogError(file_name, block[0], f"example must be {{{key!r}: value}}")
        found.append(Example(key, item, block[0]))
    return found


class _Builder:
    """Compile one widget section's spec block, checking it is complete and unambiguous."""

    def __init__(self, file_name: str, section: _Section) -> None:
        assert section.spec is not None
        self.file_name = file_name
        self.section = section
        self.line = section.spec[0]
        self.doc = _model(_SpecDoc, section.spec, file_name)
        self.used_records: set[str] = set()

    def fail(self, reason: str) -> CatalogError:
        return CatalogError(self.file_name, self.line, f"{self.doc.widget}: {reason}")

    def build(self) -> WidgetSpec:
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
        docs: list[_FieldDoc],
        kind: str | None = None,
        when: Any = None,
    ) -> Shape:
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

    def field_spec(self, doc: _FieldDoc) -> FieldSpec:
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

    def record(self, name: str, doc: _RecordDoc, root: Shape) -> RecordSpec:
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
