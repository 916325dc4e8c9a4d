r"""Console patterns are JavaScript regular expressions: the client runs them, not Python.

DLE's interactive console matches what a learner types against each entry's pattern
with the browser's ``RegExp``. So a pattern must be an ECMAScript regular expression
(ECMA-262, section 22.2 "RegExp (Regular Expression) Objects"), which Python's ``re``
does not decide: ``(?P<name>...)`` and ``\Z`` are Python only, and ``re`` raises on
what the browser accepts or the reverse. The syntax is checked by ``regress``, an
implementation of ECMAScript regular expressions (Rust, maintained), in both modes the
client may use: with the ``u`` flag (the strict grammar of 22.2.1, where ``\Z`` is an
error) and without it (with the web-compatibility grammar of Annex B.1.2).

The browser's engine backtracks, so a pattern can also take exponential time on a
short input. Beyond the syntax, a pattern here is short, repeats a piece at most
``MAX_REPEAT`` times, and never repeats a group that itself repeats something (the
``(a+)+`` kind, which backtracks catastrophically; star height 1).
"""

from __future__ import annotations

from functools import lru_cache

MAX_PATTERN_LENGTH = 200
MAX_REPEAT = 1000
_QUANTIFIERS = frozenset("*+?{")


@lru_cache(maxsize=1024)
def js_regex_problem(pattern: str, max_length: int = MAX_PATTERN_LENGTH) -> str | None:
    """Why ``pattern`` is not a safe JavaScript regular expression, or None when it is."""
    if len(pattern) > max_length:
        return f"is {len(pattern)} characters long; at most {max_length}"
    import regress  # the Rust engine: loaded when a pattern is first checked

    for flags in ("u", None):
        try:
            regress.Regex(pattern, flags)
        except Exception as exc:  # RegressError; a string that is not UTF-8 text too
            reason = str(exc) or type(exc).__name__
            return f"is not a valid JavaScript regular expression ({reason})"
    return _Scan(pattern).problem()


class _Scan:
    """Walks a pattern already known to be valid in the ``u`` grammar (ECMA-262 22.2.1).

    Tracks, for each open group, whether something in it repeats, and looks at every
    quantifier (22.2.1 ``Quantifier``: ``* + ? {n} {n,} {n,m}``, then ``?`` for lazy).
    """

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.at = 0
        self.groups: list[bool] = [False]  # per open group: something in it repeats
        self.last_atom_repeats = False  # the atom a quantifier would apply to

    def problem(self) -> str | None:
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char == "\\":
                problem = self.escape()
            elif char == "[":
                self.character_class()
                problem = None
            elif char == "(":
                self.open_group()
                problem = None
            elif char == ")":
                self.at += 1
                inner = self.groups.pop()
                self.groups[-1] = self.groups[-1] or inner
                self.last_atom_repeats = inner
                problem = None
            elif char in _QUANTIFIERS:
                problem = self.quantifier()
            else:
                self.at += 1
                self.last_atom_repeats = False
                problem = None
            if problem is not None:
                return problem
        return None

    def escape(self) -> str | None:
        text, after = self.text, self.at + 1
        kind = text[after] if after < len(text) else ""
        self.last_atom_repeats = False
        if kind in "pP" or (kind == "u" and text.startswith("{", after + 1)):
            # \p{...} and \u{...} mean one thing with the u flag and another without.
            return f"uses \\{kind}{{...}}, whose meaning depends on the client's flags"
        if kind == "k":  # \k<name>
            self.at = text.index(">", after) + 1
        else:
            self.at = after + 1  # one character names the escape; what follows is plain
        return None

    def character_class(self) -> None:
        text, at = self.text, self.at + 1
        while text[at] != "]":
            at += 2 if text[at] == "\\" else 1
        self.at = at + 1
        self.last_atom_repeats = False

    def open_group(self) -> None:
        text = self.text
        self.at += 1
        if text.startswith("?", self.at):  # (?: (?= (?! (?<= (?<! (?<name>
            self.at += 1
            if text.startswith("<", self.at) and not text.startswith(("<=", "<!"), self.at):
                self.at = text.index(">", self.at) + 1
        self.groups.append(False)

    def quantifier(self) -> str | None:
        text = self.text
        if text[self.at] == "{":
            end = text.index("}", self.at)
            bounds = text[self.at + 1 : end].split(",")
            self.at = end + 1
            numbers = [int(b) for b in bounds if b]
            if any(n > MAX_REPEAT for n in numbers):
                return f"repeats more than {MAX_REPEAT} times"
            most = None if len(bounds) == 2 and not bounds[1] else numbers[-1]
        else:
            most = 1 if text[self.at] == "?" else None
            self.at += 1
        if text.startswith("?", self.at):  # lazy
            self.at += 1
        repeats = most is None or most > 1
        if repeats and self.last_atom_repeats:
            return "repeats a group that repeats (like (a+)+), which can backtrack for ages"
        if repeats:
            self.groups[-1] = True
        return None
