"""Reading a widgets.md file: its ``## `` sections and fenced JSON blocks, strictly.

Only fenced ``dle-catalog``, ``dle-spec`` and ``dle-example`` blocks are read; prose is
kept as descriptions and never interpreted. Anything malformed raises ``CatalogError``
naming the file, the line and the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

_FENCE = re.compile(r"^```\s*(?P<info>[\w-]*)\s*$")
_HEADING = re.compile(r"^## +(?P<title>\S.*?)\s*$")
_M = TypeVar("_M", bound=BaseModel)
Block = tuple[int, str]  # a fenced block: the line its body starts on, and its body


class CatalogError(ValueError):
    """A widgets.md file that cannot be read as a catalog."""

    def __init__(self, file_name: str, line: int, reason: str) -> None:
        super().__init__(f"{file_name}:{line}: {reason}")
        self.file_name = file_name
        self.line = line
        self.reason = reason


@dataclass
class Section:
    """A ``## `` section: its title, line, prose, spec block and example blocks."""

    title: str
    line: int
    prose: list[str] = field(default_factory=list)
    spec: Block | None = None
    examples: list[Block] = field(default_factory=list)


def split_sections(text: str, file_name: str) -> tuple[Block | None, list[Section]]:
    """Cut the text into the catalog header block and the ``## `` sections."""
    header: tuple[int, str] | None = None
    sections: list[Section] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence is None:
            heading = _HEADING.match(line)
            if heading:
                sections.append(Section(heading.group("title"), index + 1))
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


def read_json(block: Block, file_name: str) -> Any:
    """The JSON of a fenced block; a syntax error names its line in the file."""
    first_line, body = block
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise CatalogError(file_name, first_line + exc.lineno - 1, f"bad JSON: {exc.msg}") from exc


def read_model(model: type[_M], block: Block, file_name: str) -> _M:
    """A fenced block read as ``model``; the first problem names the block's line."""
    data = read_json(block, file_name)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(part) for part in first["loc"]) or "(root)"
        raise CatalogError(file_name, block[0], f"{where}: {first['msg']}") from exc
