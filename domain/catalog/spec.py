"""What a widget is, as read from a widgets.md spec block: shapes, fields, types, rules.

These are the compiled, immutable forms the validator, the converters and the schema
exporter walk. ``loader`` builds them from the text; nothing else creates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Literal

from domain.catalog.rules import Rule
from domain.catalog.text import FieldText

Shorthand = Literal["string", "list", "positional", "object"]
Severity = Literal["error", "warning"]
SCALARS = frozenset({"string", "integer", "boolean", "object"})


@dataclass(frozen=True, slots=True)
class ScalarType:
    """One or more JSON scalar types (``object`` is any JSON object)."""

    names: frozenset[str]


@dataclass(frozen=True, slots=True)
class ListType:
    """An array of ``item``."""

    item: TypeNode


@dataclass(frozen=True, slots=True)
class RecordType:
    """A record defined in the widget's ``records``."""

    name: str


TypeNode = ScalarType | ListType | RecordType


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One full-form field; in positional shorthand, its index is its position.

    ``text`` is the kind of text its strings are (``prose`` or ``code``), None when its
    type holds no string.
    """

    name: str
    type: TypeNode
    required: bool
    default: Any = None
    text: FieldText | None = None

    def is_default(self, value: Any) -> bool:
        """Whether ``value`` means "not set" (same JSON type and value as the default)."""
        return not self.required and type(value) is type(self.default) and value == self.default


_JSON_KINDS: dict[str, type] = {"string": str, "list": list, "positional": list, "object": dict}


@dataclass(frozen=True, slots=True)
class Shape:
    """How a record or widget carries its fields in shorthand, and in full form."""

    shorthand: Shorthand
    fields: tuple[FieldSpec, ...]
    kind: str | None = None  # set on the variants of a variant record
    when: Any = None  # the selecting value, for variants chosen by another field
    json_kind: type = dataclass_field(init=False)  # the JSON type of the shorthand value
    # Every field required and none holding records: read without looking at each field.
    plain: bool = dataclass_field(init=False, repr=False, compare=False)
    names: tuple[str, ...] = dataclass_field(init=False, repr=False, compare=False)
    name_set: frozenset[str] = dataclass_field(init=False, repr=False, compare=False)
    # The fields whose values are records or arrays of them (walked to find records).
    record_fields: tuple[FieldSpec, ...] = dataclass_field(init=False, repr=False, compare=False)
    _by_name: dict[str, FieldSpec] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Validation reads these for every widget: computed once, not per call.
        object.__setattr__(self, "json_kind", _JSON_KINDS[self.shorthand])
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "names", tuple(f.name for f in self.fields))
        object.__setattr__(self, "name_set", frozenset(self.names))
        plain = all(f.required and not _holds_record(f.type) for f in self.fields)
        object.__setattr__(self, "plain", plain)
        holding = tuple(f for f in self.fields if _holds_record(f.type))
        object.__setattr__(self, "record_fields", holding)

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name``, if any."""
        return self._by_name.get(name)


def _holds_record(node: TypeNode) -> bool:
    return isinstance(node, RecordType) or (isinstance(node, ListType) and _holds_record(node.item))


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """A nested value: one shape, or several variants told apart by ``kind``."""

    name: str
    shapes: tuple[Shape, ...]
    select_by: str | None = None
    by_json_kind: dict[type, Shape] = dataclass_field(init=False, repr=False, compare=False)
    _by_kind: dict[Any, Shape] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Shorthand variants differ in JSON type (the loader checks it): pick by type.
        kinds = {} if self.select_by else {s.json_kind: s for s in self.shapes}
        object.__setattr__(self, "by_json_kind", kinds)
        object.__setattr__(self, "_by_kind", {s.kind: s for s in self.shapes if s.kind})

    @property
    def is_variant(self) -> bool:
        """Whether the full form tags this record with a ``kind``."""
        return self.shapes[0].kind is not None

    def variant(self, kind: Any) -> Shape | None:
        """The variant whose ``kind`` is given, if any."""
        return self._by_kind.get(kind) if isinstance(kind, str) else None


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule applied to a field path of a widget, with its severity and source.

    With ``record`` set, ``path`` starts in that record, and the rule applies to every
    value of the record, however deep (the spec writes ``@record/path``). ``implied``
    rules come from the fields' types (their text kind), not from the spec's lists.
    """

    rule: Rule
    path: tuple[str, ...]
    severity: Severity
    source: str
    record: str | None = None
    implied: bool = False

    @property
    def code(self) -> str:
        """The stable error code of this rule."""
        return self.rule.code


@dataclass(frozen=True, slots=True, eq=False)  # identity: compiled checks are cached per widget
class WidgetSpec:
    """A widget of one catalog version, as its spec block defines it."""

    key: str
    shape: Shape
    records: Mapping[str, RecordSpec]
    rules: tuple[RuleSpec, ...]
    block: bool
    anchor: str
    description: str

    def resolve(self, node: TypeNode) -> RecordSpec | None:
        """The record a type names, if it names one."""
        return self.records.get(node.name) if isinstance(node, RecordType) else None


@dataclass(frozen=True, slots=True)
class Example:
    """A ``dle-example`` block: one valid shorthand item of a widget."""

    widget: str
    item: Any
    line: int


@dataclass(frozen=True, slots=True)
class Catalog:
    """One catalog version: its widgets, examples, text and content hash."""

    schema_version: str
    file_name: str
    text: str
    widgets_version: str
    widgets: Mapping[str, WidgetSpec]
    examples: tuple[Example, ...] = dataclass_field(default=())

    @property
    def block_widget(self) -> WidgetSpec:
        """The widget that may also stand as a block (the quiz)."""
        return next(w for w in self.widgets.values() if w.block)
