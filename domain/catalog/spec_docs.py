"""The JSON a widgets.md file holds, as pydantic models: refused unless exactly right."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.catalog.rules import SpecRule
from domain.catalog.spec import Shorthand


class Doc(BaseModel):
    """Strict, frozen, no unknown keys: what every block of the file is read as."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FieldDoc(Doc):
    """A field of a shape: its name, type, whether required, its default, its text kind."""

    name: str = Field(min_length=1)
    type: str
    required: bool = True
    default: str | int | bool | None = None
    text: Literal["prose", "code"] | None = None


class ShapeDoc(Doc):
    """How a widget or a record carries its fields in shorthand."""

    shorthand: Shorthand
    fields: list[FieldDoc] = Field(min_length=1)


class VariantDoc(ShapeDoc):
    """A variant of a record: its ``kind``, and the selector value that picks it."""

    kind: str = Field(min_length=1)
    when: str | int | None = None


class RecordDoc(Doc):
    """A record: one shape, or variants (picked by ``select_by`` or by JSON type)."""

    shorthand: Shorthand | None = None
    fields: list[FieldDoc] | None = None
    variants: list[VariantDoc] | None = Field(default=None, min_length=2)
    select_by: str | None = None


class SpecDoc(ShapeDoc):
    """A ``dle-spec`` block: a widget, its records and its hard and soft rules."""

    widget: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$")
    block: bool = False
    records: dict[str, RecordDoc] = Field(default_factory=dict)
    hard: list[SpecRule] = Field(default_factory=list)
    soft: list[SpecRule] = Field(default_factory=list)


class CatalogDoc(Doc):
    """The ``dle-catalog`` block: the catalog version the file declares."""

    schema_version: str
