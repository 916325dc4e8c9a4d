"""What a text of a lesson may hold: the one home of DGS's text rules.

DLE renders every string of a lesson in a learner's browser, and ``dgs`` prints them on
terminals. DGS must not be the way script reaches a learner, nor pass on characters
that drive a terminal or reorder what is shown. Three kinds of text:

- ``prose`` (titles, paragraphs, questions, labels, card text...): no control
  characters but tab, line feed and carriage return, and no markup that runs script;
- ``code`` (a code listing, a console's commands, patterns and output, a diagram): kept
  verbatim, ``<script>`` included, but no control characters either;
- ``line`` (a lesson's or a section's title, a topic): prose on one line, without
  invisible format characters (Unicode category Cf: zero-width spaces, joiners...).

The widget specs say which fields are code (``"text": "code"``). Validation, the titles
and the generation topic all use ``text_problem``; ``is_plain`` and ``all_plain`` are
quick tests that imply it holds, for the many texts that obviously pass.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any, Literal

TextKind = Literal["prose", "code", "line"]
FieldText = Literal["prose", "code"]  # what a widget's field may be (``line`` is for titles)

# C0 controls but tab, LF and CR, DEL and the C1 controls (Unicode category Cc: they
# drive terminals, ECMA-48); the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069, Unicode UAX #9), which reorder what is shown ("Trojan
# Source", CVE-2021-42574); and lone surrogates, which are no text at all (RFC 8259 s8.2).
# CONTROL_CHARACTERS is category Cc as regex escapes, the same text in Python's ``re``, in
# msgspec and in ECMA-262 (OpenAPI patterns): the wire schemas and the CLI read it too.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
_BIDI_AND_SURROGATES = "\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_CONTROLS = f"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_AND_SURROGATES}"
_CONTROL_IN_TEXT = re.compile(f"[{_CONTROLS}]")
_CONTROL_IN_LINE = re.compile(f"[{CONTROL_CHARACTERS}{_BIDI_AND_SURROGATES}]")
_ASCII_CONTROLS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])

# Markup that runs script where a string is rendered as HTML (OWASP Cross Site
# Scripting Prevention Cheat Sheet):
# - elements that run or embed code: ``<script``, ``<iframe``, ``<object``, ``<embed``;
_TAG = re.compile(r"<\s*/?\s*(?:script|iframe|object|embed)\b", re.IGNORECASE)
# - inline event handler attributes, ``on<event>=`` (HTML Living Standard, "event
#   handler content attributes"), not inside a longer name (``data-onclick=``);
# - ``javascript:``, ``vbscript:`` and ``data:`` URLs, written out (no space after the
#   colon) or where a URL goes: after ``=``, ``(``, ``<`` or a quote (an attribute
#   value, a Markdown link, an autolink). Browsers drop tab, LF and CR anywhere in a
#   URL (URL Standard, basic URL parser), so ``java<TAB>script:`` is ``javascript:``.
_SCHEMES = frozenset({"javascript", "vbscript", "data"})
_URL_OPENERS = frozenset("=(<\"'`")
_URL_IGNORED = frozenset("\t\n\r")
_SCHEME_ENDS = frozenset("tTaA")  # the schemes' last letters


def text_problem(text: str, kind: TextKind) -> str | None:
    """Why ``text`` may not be a text of this kind, or None when it may."""
    control = (_CONTROL_IN_LINE if kind == "line" else _CONTROL_IN_TEXT).search(text)
    if control is not None:
        return f"holds the control character U+{ord(control.group()):04X}"
    if kind == "line":
        invisible = next((c for c in text if unicodedata.category(c) == "Cf"), None)
        if invisible is not None:
            return f"holds the invisible character U+{ord(invisible):04X}"
    if kind == "code":
        return None
    return markup_problem(text)


def markup_problem(text: str) -> str | None:
    """Why ``text`` holds markup that can run script, or None when it holds none.

    HTML character references count as the characters they stand for.
    """
    readings = (text, html.unescape(text)) if "&" in text else (text,)
    for reading in readings:
        found = _markup(reading)
        if found is not None:
            return f"holds markup that can run script ({found!r}); write it in words"
    return None


def _markup(text: str) -> str | None:
    """The first piece of script markup in ``text``, looked for where it can be.

    Each kind of markup needs one character (``<``, ``=``, ``:``), found by ``str.find``;
    only around those is the text looked at, so a long text costs little.
    """
    if "<" in text:
        tag = _TAG.search(text)
        if tag is not None:
            return " ".join(tag.group().split())
    for at in _occurrences(text, "="):
        name = _handler_before(text, at)
        if name is not None:
            return f"{name}="
    for at in _occurrences(text, ":"):
        scheme = _scheme_before(text, at)
        if scheme is not None:
            return f"{scheme}:"
    return None


def _occurrences(text: str, char: str) -> Iterator[int]:
    at = text.find(char)
    while at != -1:
        yield at
        at = text.find(char, at + 1)


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _handler_before(text: str, at: int) -> str | None:
    """``on<letters>`` before the ``=`` at ``at`` (spaces between), as an attribute name."""
    end = at
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and text[start - 1].isascii() and text[start - 1].isalpha():
        start -= 1
    name = text[start:end]
    if len(name) < 3 or name[:2].lower() != "on":
        return None
    if start > 0 and (_word_char(text[start - 1]) or text[start - 1] == "-"):
        return None  # a longer name: "data-onclick", "x1onload"
    return name


def _scheme_before(text: str, at: int) -> str | None:
    """A script URL's scheme before the ``:`` at ``at``, if it stands where a URL does."""
    last = text[at - 1] if at > 0 else ""
    if last not in _SCHEME_ENDS and not last.isspace():  # most colons: "Note:", "EN: ..."
        return None
    end = at
    while end > 0 and text[end - 1].isspace() and text[end - 1] not in _URL_IGNORED:
        end -= 1
    spaced = end < at
    start, letters = end, []
    while start > 0 and (
        (text[start - 1].isascii() and text[start - 1].isalpha()) or text[start - 1] in _URL_IGNORED
    ):
        start -= 1
        if text[start] not in _URL_IGNORED:
            letters.append(text[start])
    scheme = "".join(reversed(letters)).lower()
    if scheme not in _SCHEMES:
        return None
    gap = start
    while gap > 0 and text[gap - 1].isspace():
        gap -= 1
    if gap > 0 and text[gap - 1] in _URL_OPENERS:
        return scheme  # ="javascript:...", (data:..., <vbscript:...
    before = text[start - 1] if start > 0 else ""
    written_out = not spaced and at + 1 < len(text) and not text[at + 1].isspace()
    if written_out and not (before and (_word_char(before) or before in ".+-")):
        return scheme  # javascript:alert(1), data:text/html,...
    return None


def is_plain(text: str, kind: TextKind) -> bool:
    """A quick test that implies ``text_problem(text, kind) is None`` (not the reverse).

    Most texts are printable and hold none of ``< = : &``, without which no markup
    above can be written: the full check is needed only for the others.
    """
    if kind == "code":
        return text.isprintable()
    return (
        text.isprintable()
        and "<" not in text
        and ":" not in text
        and "=" not in text
        and "&" not in text
    )


def all_plain(prose: Iterable[str | None], code: Iterable[str | None]) -> bool:
    """Whether every text given passes ``text_problem`` (prose, then code), tested at once.

    True implies each one passes; False only says one may not (test them one by one).
    A lesson's texts are joined and scanned a few times in C, not one by one: this is
    how validation checks them. None (an optional field not set) is no text: skipped.
    TypeError if an item is neither a string nor None.
    """
    joined_prose, joined_code = " ".join(filter(None, prose)), " ".join(filter(None, code))
    if not (_no_controls(joined_prose) and _no_controls(joined_code)):
        return False
    # Joined with spaces, the texts form no markup across their ends that a full test
    # of each would miss; they may form some that it would not find (then: False).
    marks = "<" in joined_prose or "=" in joined_prose or ":" in joined_prose
    if not marks and "&" not in joined_prose:
        return True
    return markup_problem(joined_prose) is None


def _no_controls(text: str) -> bool:
    """Whether ``text`` holds none of the control characters above."""
    if text.isascii():  # O(1) in CPython; then only C0 controls and DEL can be there
        data = text.encode("ascii")
        return len(data.translate(None, _ASCII_CONTROLS)) == len(data)
    return text.isprintable() or _CONTROL_IN_TEXT.search(text) is None


def nested_text_problem(value: Any, kind: TextKind) -> str | None:
    """``text_problem`` for every string (keys included) of a JSON object or array.

    For fields that take any object (a code listing given as JSON, a lesson shown as a
    tree). Walked without recursion; validation has bounded the value's size before.
    """
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            if not is_plain(current, kind):
                problem = text_problem(current, kind)
                if problem is not None:
                    return problem
        elif isinstance(current, dict):
            pending.extend(current)
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
    return None
