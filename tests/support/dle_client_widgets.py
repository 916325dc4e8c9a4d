"""DLE's 1.0 client rules, widget by widget (see ``tests.support.dle_client``).

Written from dle-widget-catalog.md section 5 as changed for 1.0 by section 6, and the
client's own rules of section 9 (marked where they apply).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

MAX_FLOW_DEPTH = 5  # branch depth, the root flow not counted
MAX_CHECKLIST_LEVELS = 3  # node lists, the root counted
CALLOUTS_1_0 = ("p", "warn", "err", "success", "info", "tip")


@dataclass(frozen=True)
class ClientError:
    """A place the client would refuse, and the rule it breaks."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path} {self.rule}: {self.message}"


Found = Iterator[ClientError]


def is_text(value: Any) -> bool:
    """A string with visible text."""
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def callout(value: Any, path: str) -> Found:
    if not is_text(value):
        yield ClientError(path, "callout.text", "not a non-empty string")


def positions(
    value: Any, path: str, widget: str, least: int, most: int
) -> Iterator[ClientError] | None:
    """A finding when ``value`` is not an array of ``least`` to ``most`` positions."""
    if not isinstance(value, list) or not least <= len(value) <= most:
        count = len(value) if isinstance(value, list) else "no"
        return iter(
            [ClientError(path, f"{widget}.positions", f"{count} positions; {least}-{most} taken")]
        )
    return None


def strings(value: list[Any], path: str, widget: str, *indexes: int) -> Found:
    for index in indexes:
        if index < len(value) and not isinstance(value[index], str):
            yield ClientError(f"{path}/{index}", f"{widget}.type", "must be a string")


def nonblank(value: list[Any], path: str, rule: str, *indexes: int) -> Found:
    for index in indexes:
        if index < len(value) and not is_text(value[index]):
            yield ClientError(f"{path}/{index}", rule, "must not be empty")


def flip(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "flip", 2, 4)) is not None:
        yield from bad
        return
    yield from strings(value, path, "flip", 0, 1, 2, 3)
    yield from nonblank(value, path, "flip.empty", 0, 1)


def tr(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "tr", 2, 2)) is not None:
        yield from bad
        return
    yield from nonblank(value, path, "tr.empty", 0, 1)


def blank(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "blank", 4, 4)) is not None:
        yield from bad
        return
    yield from nonblank(value, path, "blank.empty", 0, 1, 2, 3)
    if isinstance(value[0], str) and "___" not in value[0]:
        yield ClientError(f"{path}/0", "blank.no_blank", "the prompt has no ___")


def string_list(value: Any, path: str) -> Found:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        yield ClientError(path, "list.type", "not an array of strings")


def rows(value: Any, path: str, width: int | None) -> Found:
    if not isinstance(value, list) or not value:
        yield ClientError(path, "rows.empty", "not a non-empty array of rows")
        return
    for index, row in enumerate(value):
        if not isinstance(row, list) or not all(isinstance(c, str) for c in row):
            yield ClientError(f"{path}/{index}", "rows.type", "a row is not an array of strings")
        elif width is not None and len(row) != width:
            yield ClientError(f"{path}/{index}", "rows.width", f"not {width} cells")


def swipe(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "swipe", 3, 3)) is not None:
        yield from bad
        return
    title, buckets, cards = value
    if not is_text(title):  # section 9: a swipe title is non-empty
        yield ClientError(f"{path}/0", "swipe.title", "must not be empty")
    if not isinstance(buckets, list) or len(buckets) != 2 or not all(is_text(b) for b in buckets):
        yield ClientError(f"{path}/1", "swipe.buckets", "not two labels")
    if not isinstance(cards, list) or not cards:
        yield ClientError(f"{path}/2", "swipe.cards", "no cards")
        return
    for index, card in enumerate(cards):
        where = f"{path}/2/{index}"
        if not isinstance(card, list) or len(card) != 3:
            yield ClientError(where, "swipe.card", "not [text, correct, feedback]")
            continue
        if not is_text(card[0]):  # section 9: each card's text is non-empty
            yield ClientError(f"{where}/0", "swipe.card_text", "must not be empty")
        if not _is_int(card[1]) or card[1] not in (0, 1):
            yield ClientError(f"{where}/1", "swipe.correct", "not 0 or 1")
        if not is_text(card[2]):
            yield ClientError(f"{where}/2", "swipe.feedback", "must not be empty")


def free_text(value: Any, path: str) -> Found:
    # Section 9: [prompt, seedLocked, text, lang, wordlistCsv, mode]; text (position 3)
    # must be a string, so served 1.0 freeText carries positions 1-3 at least.
    if (bad := positions(value, path, "freeText", 3, 6)) is not None:
        yield from bad
        return
    yield from strings(value, path, "freeText", 0, 1, 2, 3, 4, 5)
    yield from nonblank(value, path, "freeText.prompt", 0)
    if len(value) == 6 and value[5] not in ("single", "multi"):
        yield ClientError(f"{path}/5", "freeText.mode", "not single or multi")


def step_flow(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "stepFlow", 2, 2)) is not None:
        yield from bad
        return
    yield from strings(value, path, "stepFlow", 0)
    yield from flow(value[1], f"{path}/1", 0)


def flow(nodes: Any, path: str, depth: int) -> Found:
    if not isinstance(nodes, list):
        yield ClientError(path, "stepFlow.flow", "not an array of nodes")
        return
    if depth > MAX_FLOW_DEPTH:
        yield ClientError(path, "stepFlow.depth", f"branches nest deeper than {MAX_FLOW_DEPTH}")
        return
    for index, node in enumerate(nodes):
        where = f"{path}/{index}"
        if isinstance(node, str):
            continue
        if not isinstance(node, list) or not node:  # section 9: a branch has a choice
            yield ClientError(where, "stepFlow.branch", "a branch needs at least one choice")
            continue
        for c, choice in enumerate(node):
            if not isinstance(choice, list) or len(choice) != 2:
                yield ClientError(f"{where}/{c}", "stepFlow.choice", "not [label, [nodes]]")
                continue
            if not is_text(choice[0]):  # section 9: a choice label is non-empty
                yield ClientError(f"{where}/{c}/0", "stepFlow.label", "must not be empty")
            yield from flow(choice[1], f"{where}/{c}/1", depth + 1)


def ascii_diagram(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "asciiDiagram", 2, 2)) is not None:
        yield from bad
        return
    yield from strings(value, path, "asciiDiagram", 0)
    yield from nonblank(value, path, "asciiDiagram.diagram", 1)  # section 9


def checklist(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "checklist", 2, 2)) is not None:
        yield from bad
        return
    yield from strings(value, path, "checklist", 0)
    yield from tree(value[1], f"{path}/1", 1)


def tree(nodes: Any, path: str, level: int) -> Found:
    if not isinstance(nodes, list):
        yield ClientError(path, "checklist.tree", "not an array of nodes")
        return
    if level > MAX_CHECKLIST_LEVELS:
        yield ClientError(path, "checklist.depth", f"deeper than {MAX_CHECKLIST_LEVELS} levels")
        return
    for index, node in enumerate(nodes):
        where = f"{path}/{index}"
        if isinstance(node, str):
            continue
        if not isinstance(node, list) or len(node) != 2:
            yield ClientError(where, "checklist.group", "not [groupTitle, [nodes]]")
            continue
        if not is_text(node[0]):  # section 9: a group title is non-empty
            yield ClientError(f"{where}/0", "checklist.group_title", "must not be empty")
        yield from tree(node[1], f"{where}/1", level + 1)


def console(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "console", 3, 4)) is not None:
        yield from bad
        return
    yield from strings(value, path, "console", 0)
    mode, entries = value[1], value[2]
    if not _is_int(mode) or mode not in (0, 1):
        yield ClientError(f"{path}/1", "console.mode", "not 0 or 1")
        return
    if not isinstance(entries, list):
        yield ClientError(f"{path}/2", "console.entries", "not an array")
        return
    for index, entry in enumerate(entries):
        where = f"{path}/2/{index}"
        if not isinstance(entry, list) or len(entry) != 3:
            yield ClientError(where, "console.entry", "not three positions")
            continue
        first, middle, output = entry
        if not isinstance(first, str) or not isinstance(output, str):
            yield ClientError(where, "console.entry", "command/pattern and output are strings")
        if mode == 0 and (not _is_int(middle) or middle < 0):
            yield ClientError(f"{where}/1", "console.delay", "delayMs is not a number >= 0")
        if mode == 1 and middle not in ("ok", "err"):  # the client also takes "warn"
            yield ClientError(f"{where}/1", "console.level", "level is not ok or err")
    if len(value) == 4:
        guided = value[3]
        if mode != 1 or not isinstance(guided, list):
            yield ClientError(f"{path}/3", "console.guided", "guided tasks need mode 1")
            return
        for index, task in enumerate(guided):
            if (
                not isinstance(task, list)
                or len(task) != 2
                or not all(isinstance(t, str) for t in task)
            ):
                yield ClientError(f"{path}/3/{index}", "console.guided", "not [task, solution]")


def codeviewer(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "codeviewer", 2, 4)) is not None:
        yield from bad
        return
    if not isinstance(value[0], str | dict):
        yield ClientError(f"{path}/0", "codeviewer.code", "not a string or an object")
    yield from nonblank(value, path, "codeviewer.language", 1)
    if len(value) > 2 and not isinstance(value[2], bool):
        yield ClientError(f"{path}/2", "codeviewer.editable", "not a boolean")
    yield from strings(value, path, "codeviewer", 3)


def treeview(value: Any, path: str) -> Found:
    if (bad := positions(value, path, "treeview", 1, 4)) is not None:
        yield from bad
        return
    lesson = value[0]
    if not (
        isinstance(lesson, str)
        or (isinstance(lesson, dict) and isinstance(lesson.get("blocks"), list))
    ):
        yield ClientError(f"{path}/0", "treeview.lesson", "not a lesson object or JSON text")
    yield from strings(value, path, "treeview", 1, 2, 3)


def quiz(value: Any, path: str) -> Found:
    if not isinstance(value, dict) or set(value) != {"title", "questions"}:
        yield ClientError(path, "quiz.keys", "not {title, questions}")
        return
    if not isinstance(value["title"], str):
        yield ClientError(f"{path}/title", "quiz.title", "not a string")
    questions = value["questions"]
    if not isinstance(questions, list) or not questions:
        yield ClientError(f"{path}/questions", "quiz.questions", "no questions")
        return
    for index, question in enumerate(questions):
        where = f"{path}/questions/{index}"
        if not isinstance(question, dict) or set(question) != {"q", "c", "a", "e"}:
            yield ClientError(where, "quiz.question", "not {q, c, a, e}")
            continue
        if not is_text(question["q"]):  # section 9: q is non-blank
            yield ClientError(f"{where}/q", "quiz.q", "must not be blank")
        choices = question["c"]
        if (
            not isinstance(choices, list)
            or len(choices) < 2
            or not all(isinstance(c, str) for c in choices)
        ):
            yield ClientError(f"{where}/c", "quiz.c", "not at least two strings")
        elif not _is_int(question["a"]) or not 0 <= question["a"] < len(choices):
            yield ClientError(f"{where}/a", "quiz.a", "not an index into c")
        if not is_text(question["e"]):  # section 9: e is a string (DGS: non-empty)
            yield ClientError(f"{where}/e", "quiz.e", "must be a non-empty string")


WIDGETS: dict[str, Callable[[Any, str], Found]] = {
    **dict.fromkeys(CALLOUTS_1_0, callout),
    "flip": flip,
    "tr": tr,
    "blank": blank,
    "ul": string_list,
    "ol": string_list,
    "table": lambda v, p: rows(v, p, None),
    "compare": lambda v, p: rows(v, p, 2),
    "swipe": swipe,
    "freeText": free_text,
    "stepFlow": step_flow,
    "asciiDiagram": ascii_diagram,
    "checklist": checklist,
    "console": console,
    "codeviewer": codeviewer,
    "treeview": treeview,
    "quiz": quiz,
}
