"""Topic files: one generate request body a line (JSONL), and the bundled topic set."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from adapters.json_input import JsonInputError, decode_json
from application.evaluation.topics import EvalTopic, TopicError, topic_from_body, unique

BUILTIN = "topics.jsonl"


def read_topics(path: Path) -> list[EvalTopic]:
    """The topics of a JSONL file (blank lines and ``#`` comments skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicError(f"{path}: cannot be read ({exc})") from None
    return parse_topics(text, str(path))


def builtin_topics() -> list[EvalTopic]:
    """The topic set bundled with DGS (``adapters/eval/topics.jsonl``)."""
    text = resources.files("adapters.eval").joinpath(BUILTIN).read_text(encoding="utf-8")
    return parse_topics(text, BUILTIN)


def parse_topics(text: str, source: str) -> list[EvalTopic]:
    """Topics from JSONL text; ``TopicError`` names the line of the first bad one."""
    topics: list[EvalTopic] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            topics.append(topic_from_body(decode_json(line)))
        except (JsonInputError, TopicError) as exc:
            raise TopicError(f"{source}:{number}: {exc}") from None
    if not topics:
        raise TopicError(f"{source}: no topics")
    try:
        return unique(topics)
    except TopicError as exc:
        raise TopicError(f"{source}: {exc}") from None
