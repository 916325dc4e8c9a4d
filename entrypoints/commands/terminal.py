r"""What the CLI writes: text from stores and files with control characters escaped.

Stored titles, tags and topics come from models and clients; printed raw, an ESC or a
bidi override would drive the user's terminal (clear it, recolour it, reorder a line).
JSON encoders escape C0 controls but pass C1 controls and bidi marks through, so JSON
output gets the same treatment as ``\uXXXX`` escapes (still the same JSON value).
"""

from __future__ import annotations

import re
import sys

from domain.catalog.text import CONTROL_CHARACTERS

# C0 and C1 controls, DEL, and the Unicode bidi controls (Unicode Standard Annex #9:
# ALM U+061C, LRM/RLM U+200E-200F, embeddings and overrides U+202A-202E, isolates
# U+2066-2069) plus the line and paragraph separators U+2028-2029.
_BIDI_AND_SEPARATORS = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE_IN_LINE = re.compile(f"[{CONTROL_CHARACTERS}{_BIDI_AND_SEPARATORS}]")
_UNSAFE_IN_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}]")  # \t \n kept


def printable(text: str, *, multiline: bool = False) -> str:
    r"""``text`` with each control character shown as an escape (``\x1b``, ``\u202e``)."""
    pattern = _UNSAFE_IN_TEXT if multiline else _UNSAFE_IN_LINE
    return pattern.sub(_escape, text)


def json_text(text: str) -> str:
    r"""JSON text with every control character left by the encoder as a ``\uXXXX`` escape.

    Outside strings JSON has only structural ASCII, so each match is inside a string,
    where the escape denotes the same character.
    """
    return _UNSAFE_IN_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def fail(command: str, message: str, code: int) -> int:
    """Print ``dgs COMMAND: MESSAGE`` as one line on standard error; return ``code``."""
    print(f"dgs {command}: {printable(message)}", file=sys.stderr)
    return code


def reason(error: BaseException) -> str:
    """An error's message, with its cause's when that adds something (e.g. the driver's)."""
    message, cause = str(error), error.__cause__
    if cause is not None and str(cause) and str(cause) not in message:
        return f"{message}: {cause}"
    return message
