"""The offline provider's sample widgets, in full form: every field by its name.

A model fills the LLM schema's named fields; so does the offline provider, so a field
can never land in another's position (1.0's freeText has ``text`` where 1.1 has
``lang``). Fields a sample leaves out are written as ``null``, as strict structured
output writes optional fields; open JSON objects are JSON text, as the schema offers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from domain.catalog.spec import WidgetSpec

SAMPLE_NOTE = "Sample lesson from the offline provider: placeholder content, not real teaching."
Sample = Callable[[str, str], dict[str, Any]]  # (topic, language) -> named fields


def full_item(widget: WidgetSpec, topic: str, language: str) -> dict[str, Any]:
    """The sample of ``widget`` as a model writes it: ``type``, then every field."""
    fields = _SAMPLES[_FAMILY.get(widget.key, widget.key)](topic, language)
    unknown = fields.keys() - {f.name for f in widget.shape.fields}
    if unknown:  # a sample naming a field its widget lacks is a bug in this module
        raise AssertionError(f"{widget.key}: no field(s) {sorted(unknown)}")
    return {"type": widget.key, **{f.name: fields.get(f.name) for f in widget.shape.fields}}


def slug(topic: str) -> str:
    """The topic as a short lowercase slug."""
    return re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")[:24] or "topic"


def _digest(topic: str) -> int:
    return int(hashlib.sha256(topic.encode()).hexdigest()[:6], 16)


def _text(text: str) -> Sample:
    return lambda t, _: {"text": text.format(t=t)}


def _step(text: str) -> dict[str, Any]:
    return {"kind": "step", "text": text}


def _branch(*choices: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "kind": "branch",
        "choices": [{"label": label, "flow": flow} for label, flow in choices],
    }


def _item(text: str) -> dict[str, Any]:
    return {"kind": "item", "text": text}


def _group(title: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "group", "title": title, "children": list(children)}


def _blank(t: str, _: str) -> dict[str, Any]:
    return {
        "prompt": f"This sample lesson is about ___ ({slug(t)}).",
        "answer": t,
        "hint": "Look at the title",
        "explanation": SAMPLE_NOTE,
    }


def _swipe(t: str, _: str) -> dict[str, Any]:
    card = {"text": "This lesson", "correct": 0, "feedback": SAMPLE_NOTE[:140]}
    return {"title": "Sample or real?", "buckets": ["Sample", "Real"], "cards": [card]}


_SAMPLES: dict[str, Sample] = {
    "p": _text("This paragraph stands where an explanation of {t} would go."),
    "warn": _text("A pitfall about {t} would be described here."),
    "err": _text("An anti-pattern around {t} would be shown here."),
    "success": _text("Checkpoint: you have walked through a sample on {t}."),
    "info": _text("Key insight placeholder for {t}."),
    "tip": _text("Tactic placeholder for {t}."),
    "flip": lambda t, _: {"front": t[:100], "back": f"A sample definition of {t}"[:150]},
    "tr": lambda t, _: {"source": "EN: lesson", "target": "FR: leçon"},
    "fillblank": _blank,
    "ul": lambda t, _: {"items": [f"{t}: first point", f"{t}: second point"]},
    "ol": lambda t, _: {"items": ["Read the sample", "Try the exercise", "Check your answer"]},
    "table": lambda t, _: {
        "rows": [["Term", "Meaning"], [t[:60], "sample"], ["Offline", "no model used"]]
    },
    "compare": lambda t, _: {
        "rows": [["Sample", "Real lesson"], ["Placeholder text", "Checked facts"]]
    },
    "swipecards": _swipe,
    "freeText": lambda t, lang: {
        "prompt": f"Write two sentences about {t}.",
        "lang": lang,
        "wordlistCsv": slug(t).replace("-", ","),
    },
    "inputLine": lambda t, lang: {
        "prompt": f"Type the topic of this lesson ({_digest(t) % 100}).",
        "lang": lang,
        "wordlistCsv": slug(t).replace("-", ","),
    },
    "stepFlow": lambda t, _: {
        "lead": "A sample procedure",
        "flow": [
            _step("Start"),
            _branch(("Ready", [_step("Go on")]), ("Not ready", [_step("Read again")])),
            _step("Finish"),
        ],
    },
    "asciiDiagram": lambda t, _: {
        "lead": "A sample diagram",
        "diagram": "[topic]  --> [lesson]\n[lesson] --> [quiz]  ",
    },
    "checklist": lambda t, _: {
        "lead": "Before the quiz",
        "tree": [
            _item("Read each section"),
            _group("Practice", _item("Flip the cards"), _item("Do the drill")),
        ],
    },
    "console": lambda t, _: {
        "lead": "A sample terminal",
        "mode": 0,
        "entries": [
            {"kind": "scripted", "command": "echo sample", "delayMs": 300, "output": "sample"}
        ],
    },
    "codeviewer": lambda t, _: {"code": f"print({t[:60]!r})", "language": "python"},
    "treeview": lambda t, _: {
        "lesson": json.dumps(
            {"blocks": [{"section": "Sample", "items": [t[:60]]}]}, ensure_ascii=False
        ),
        "title": "This lesson's shape",
    },
}
# Catalog 1.0 names of the same widgets (same fields).
_FAMILY = {"blank": "fillblank", "swipe": "swipecards"}
