"""DLE's own client rules for catalog 1.0 shorthand, read independently of DGS's catalog.

A second reading of ``dle-widget-catalog.md`` (sections 2-6 for the 1.0 shorthand, and
section 9: the rules the client's ``validateLesson`` enforces), written by hand from
that text, never from DGS's widget specs, so that DGS's own reading cannot vouch for
itself. It is stricter than the client or equal to it, never looser: what it accepts,
the client renders. Every finding names its rule.
"""

from __future__ import annotations

import re
from typing import Any

from tests.support.dle_client_widgets import WIDGETS, ClientError, Found, is_text, quiz

# Section 2: the client numbers sections itself and refuses titles numbered by hand.
NUMBERED_TITLE = re.compile(r"^\s*\d+(\.\d+)*[).\-:]*\s+")
_OPEN_VALUE = re.compile(r"/(codeviewer|treeview)/0$")


def client_errors(lesson: Any) -> list[ClientError]:
    """Everything DLE's 1.0 client would refuse in served shorthand ``lesson``."""
    return list(_Reader().document(lesson))


class _Reader:
    def document(self, doc: Any) -> Found:
        yield from self.nulls(doc, "")
        if not isinstance(doc, dict):
            yield ClientError("/", "document.object", "not an object")
            return
        if set(doc) - {"schema_version", "title", "blocks"}:
            yield ClientError(
                "/",
                "document.keys",
                f"unknown keys {sorted(set(doc) - {'schema_version', 'title', 'blocks'})}",
            )
        if doc.get("schema_version") != "1.0":
            yield ClientError("/schema_version", "document.version", "not 1.0")
        if not is_text(doc.get("title")):
            yield ClientError("/title", "document.title", "not a non-empty string")
        blocks = doc.get("blocks")
        if not isinstance(blocks, list) or not blocks:
            yield ClientError("/blocks", "document.blocks", "not a non-empty array")
            return
        for index, block in enumerate(blocks):
            path = f"/blocks/{index}"
            if isinstance(block, dict) and set(block) == {"quiz"}:
                yield from quiz(block["quiz"], f"{path}/quiz")
            else:
                yield from self.section(block, path)

    def nulls(self, value: Any, path: str) -> Found:
        """Section 4: the client refuses null at optional positions; served shorthand has none.

        A JSON object shown as data (a codeviewer's code, a treeview's lesson) is content,
        not positions: a null inside it is the author's.
        """
        if _OPEN_VALUE.search(path):
            return
        if value is None:
            yield ClientError(path or "/", "value.null", "null is never served")
        elif isinstance(value, dict):
            for key, child in value.items():
                yield from self.nulls(child, f"{path}/{key}")
        elif isinstance(value, list):
            for index, child in enumerate(value):
                yield from self.nulls(child, f"{path}/{index}")

    def section(self, section: Any, path: str) -> Found:
        if not isinstance(section, dict) or "section" not in section:
            yield ClientError(path, "block.kind", "neither a section nor a quiz block")
            return
        if set(section) - {"section", "items", "subsections"}:
            yield ClientError(path, "section.keys", "unknown keys")
        title = section["section"]
        if not is_text(title):
            yield ClientError(f"{path}/section", "section.title", "not a non-empty string")
        elif NUMBERED_TITLE.match(title):
            yield ClientError(f"{path}/section", "section.numbered", f"numbered by hand: {title!r}")
        items = section.get("items")
        if not isinstance(items, list):
            yield ClientError(f"{path}/items", "section.items", "not an array")
        else:
            for index, item in enumerate(items):
                yield from self.item(item, f"{path}/items/{index}")
        if "subsections" in section:
            subsections = section["subsections"]
            if not isinstance(subsections, list):
                yield ClientError(f"{path}/subsections", "section.subsections", "not an array")
            else:
                for index, sub in enumerate(subsections):
                    yield from self.section(sub, f"{path}/subsections/{index}")

    def item(self, item: Any, path: str) -> Found:
        if isinstance(item, str):
            if not item.strip():
                yield ClientError(path, "p.empty", "a blank paragraph")
            return
        if isinstance(item, dict) and "type" in item:
            # DGS's full form: DLE's escape hatch takes DLE's own type names (section 3)
            yield ClientError(path, "item.full_form", "DLE does not render DGS's full form")
            return
        if not isinstance(item, dict) or len(item) != 1:
            yield ClientError(path, "item.form", "neither a string nor a one-key widget object")
            return
        ((key, value),) = item.items()
        check = WIDGETS.get(key)
        if check is None:
            yield ClientError(path, "item.unknown_widget", f"no 1.0 widget {key!r}")
            return
        yield from check(value, f"{path}/{key}")
