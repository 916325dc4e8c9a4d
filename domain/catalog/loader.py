"""Parse a widgets.md file into a ``Catalog``, strictly.

Only fenced ``dle-catalog``, ``dle-spec`` and ``dle-example`` blocks are read
(``markdown``); prose is kept as descriptions and never interpreted. Each widget's spec
is compiled by ``builder``. Anything malformed or ambiguous raises ``CatalogError``
naming the file, the line and the reason.
"""

from __future__ import annotations

import hashlib

from domain.catalog.builder import WidgetBuilder
from domain.catalog.markdown import CatalogError, Section, read_json, read_model, split_sections
from domain.catalog.spec import Catalog, Example, WidgetSpec
from domain.catalog.spec_docs import CatalogDoc

__all__ = ["CatalogError", "parse_catalog"]


def parse_catalog(text: str, file_name: str, expected_version: str) -> Catalog:
    """Build the catalog of ``expected_version`` from the text of its widgets.md."""
    header, sections = split_sections(text, file_name)
    if header is None:
        raise CatalogError(file_name, 1, "no dle-catalog block before the first section")
    catalog_doc = read_model(CatalogDoc, header, file_name)
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
        widget = WidgetBuilder(file_name, section).build()
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


def _examples(file_name: str, section: Section, key: str) -> list[Example]:
    if not section.examples:
        raise CatalogError(file_name, section.line, f"widget {key!r} has no dle-example")
    found = []
    for block in section.examples:
        item = read_json(block, file_name)
        if not (isinstance(item, dict) and list(item) == [key]):
            raise CatalogError(file_name, block[0], f"example must be {{{key!r}: value}}")
        found.append(Example(key, item, block[0]))
    return found
