"""What counts as numbering written by hand, which the DLE client adds itself."""

from __future__ import annotations

import re

# Numbering a client adds itself: "1. Intro", "2) Setup", "1.2. Details" (list items).
MANUAL_NUMBERING = re.compile(r"^\s*\d+(?:\.\d+)*[.)]\s")

# DLE's own validator refuses a section title matching ^\s*\d+(\.\d+)*[).\-:]*\s+ (its
# pattern, JavaScript semantics; dle-widget-catalog.md sections 2 and 9): "1. Intro",
# "2) Setup", "1.2 Scope", "3 ways to save energy". In JavaScript \d is [0-9] and \s is
# WhiteSpace and LineTerminator (ECMA-262 22.2.2.9 CharacterClassEscape, 12.2, 12.3).
_JS_SPACE = "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
SECTION_NUMBERING = re.compile(f"^{_JS_SPACE}*[0-9]+(?:\\.[0-9]+)*[).\\-:]*{_JS_SPACE}+")
