"""Record fields as stored: timestamps, meta and the lesson size cap, alike for every store."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import msgspec

from application.errors import LessonTooLargeError
from application.ports.account import KeptRepair
from application.ports.generation import LoggedRepair, RepairRecord
from application.records import GenerationMeta, LessonRecord, LessonSummary, StepUsage
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.limits import MAX_LESSON_BYTES
from domain.validation.result import Issue

_TAGS = msgspec.json.Decoder(tuple[str, ...])
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
_WIDTH = len("2026-01-01T00:00:00.000000Z")
# Largest repair record kept, compressed: the fine-tuning dataset is a by-product, and a
# record must fit a DynamoDB item (400 KB) with room to spare whatever the model wrote.
MAX_REPAIR_BYTES = 128 * 1024
# What reading a damaged or unknown stored repair record can raise: gzip and JSON errors,
# a missing or mistyped field (pydantic's validation errors are ValueErrors).
_UNREADABLE = (
    OSError,
    EOFError,
    zlib.error,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    RecursionError,
)


def timestamp(moment: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order (keys and indexes rely on it)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(_TIMESTAMP)


def parse_timestamp(text: str) -> datetime:
    """The inverse of ``timestamp``.

    ``timestamp`` writes 27 characters (years 1000-9999), which ``fromisoformat`` reads
    alike and ~15x faster than ``strptime`` (Python 3.11+ reads the "Z"); any other text
    goes through ``strptime`` as it always did.
    """
    if len(text) == _WIDTH and text[10] == "T" and text[19] == "." and text[26] == "Z":
        return datetime.fromisoformat(text)
    return datetime.strptime(text, _TIMESTAMP).replace(tzinfo=UTC)


def read_tags(text: str) -> tuple[str, ...]:
    """Tags stored as a JSON list (``json.dumps``), read back as a tuple."""
    try:
        return _TAGS.decode(text)  # ~6x faster than json.loads
    except msgspec.DecodeError:  # what msgspec refuses and json reads: a lone surrogate
        return tuple(json.loads(text))


def check_lesson_size(lesson_json: str) -> None:
    """Refuse a lesson over ``MAX_LESSON_BYTES`` (``LessonTooLargeError``); call before writing.

    The cap is on the compact UTF-8 JSON of the lesson. DGS stores lessons compact, so
    their text is measured as it is; a longer text is measured again compacted, so that
    whitespace alone never counts against a lesson.
    """
    size = _utf8_size(lesson_json)
    if size <= MAX_LESSON_BYTES:
        return
    try:
        compact = json.dumps(json.loads(lesson_json), ensure_ascii=False, separators=(",", ":"))
        size = _utf8_size(compact)
    except (ValueError, RecursionError):
        pass  # not JSON we can re-read: its text is its size
    if size > MAX_LESSON_BYTES:
        raise LessonTooLargeError(size, MAX_LESSON_BYTES)


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogatepass"))


def meta_to_dict(meta: GenerationMeta) -> dict[str, Any]:
    """Generation meta as plain JSON-compatible data."""
    return asdict(meta)


def meta_from_dict(data: dict[str, Any]) -> GenerationMeta:
    """The inverse of ``meta_to_dict``."""
    usage = tuple(StepUsage(**step) for step in data.get("usage", ()))
    return GenerationMeta(
        latency_ms=int(data["latency_ms"]),
        usage=usage,
        cost_usd=float(data["cost_usd"]),
        repaired=bool(data["repaired"]),
        cache=data.get("cache"),
    )


def meta_json(meta: GenerationMeta) -> str:
    """Generation meta as JSON text."""
    return json.dumps(meta_to_dict(meta), separators=(",", ":"))


def search_text(title: str, topic: str) -> str:
    """What ``q`` matches against: case-folded title and topic (folded once, at write)."""
    return f"{title.casefold()}\n{topic.casefold()}"


def repair_blob(repair: RepairRecord) -> bytes:
    """A repair record as one gzip-compressed JSON document, at most ``MAX_REPAIR_BYTES``.

    A record too large even compressed keeps the head of each of its large parts, each
    replaced by ``{"truncated": true, "bytes": <its JSON size>, "head": <its JSON text,
    cut>}``, and says ``"truncated": true`` at the top: always one JSON document.
    """
    parts = {
        "idm": _part_json(repair.idm.model_dump(mode="json")),
        "invalid_lesson": _part_json(repair.invalid_lesson),
        "errors": _part_json([issue.to_dict() for issue in repair.errors]),
        "repaired_lesson": _part_json(repair.repaired_lesson),
    }
    head: dict[str, Any] = {
        "schema_version": repair.schema_version,
        "prompt_version": repair.prompt_version,
        "outcome": repair.outcome,
    }
    if repair.constraints is not None:
        head["constraints"] = repair.constraints.model_dump(mode="json")
    blob = _gzip_document(head, parts)
    keep = MAX_REPAIR_BYTES  # characters kept of each part; halved until the record fits
    while len(blob) > MAX_REPAIR_BYTES:
        keep //= 2
        cut = {name: _cut(text, keep) for name, text in parts.items()}
        blob = _gzip_document({**head, "truncated": True}, cut)
    return blob


def repair_document(stored: bytes | str) -> dict[str, Any]:
    """A stored repair record as its JSON document (rows of older versions hold JSON text)."""
    document: dict[str, Any] = json.loads(
        gzip.decompress(stored) if isinstance(stored, bytes) else stored
    )
    return document


def logged_repair(
    repair_id: str, created_at: datetime, outcome: str, stored: bytes | str, owner: str
) -> LoggedRepair:
    """A stored repair record of ``owner``'s read back: whole, or why it cannot be used whole.

    A truncated record (some part cut to fit ``MAX_REPAIR_BYTES``) and one that does not
    read as a repair record (damaged, or of a shape this version does not know) come
    back without their ``record``, with the ``problem`` that says which.
    """
    try:
        document = repair_document(stored)
        if document.get("truncated") is True:
            return LoggedRepair(repair_id, created_at, outcome, None, "truncated")
        constraints = document.get("constraints")
        record = RepairRecord(
            idm=IntermediateDataModel.model_validate(document["idm"]),
            invalid_lesson=document["invalid_lesson"],
            errors=tuple(Issue(**error) for error in document["errors"]),
            repaired_lesson=document["repaired_lesson"],
            outcome=document["outcome"],
            schema_version=document["schema_version"],
            prompt_version=document["prompt_version"],
            constraints=None if constraints is None else LessonConstraints(**constraints),
            owner=owner,
        )
    except _UNREADABLE:
        return LoggedRepair(repair_id, created_at, outcome, None, "unreadable")
    return LoggedRepair(repair_id, created_at, outcome, record)


def kept_repair(
    repair_id: str, created_at: datetime, outcome: str, stored: bytes | str
) -> KeptRepair:
    """A stored repair record as its owner gets it back: the document as kept."""
    try:
        document: Any = repair_document(stored)
    except _UNREADABLE:
        document = None
    if not isinstance(document, dict):  # damaged, or not a record this version wrote
        document = {"unreadable": True}
    return KeptRepair(repair_id, created_at, outcome, document)


def _part_json(value: Any) -> str:
    """A part as JSON text; ASCII, so that lone surrogates from a model stay encodable."""
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError):  # NaN, odd types, hostile depth
        return json.dumps({"unserialisable": type(value).__name__})


def _cut(text: str, keep: int) -> str:
    if len(text) <= keep:
        return text
    marker = {"truncated": True, "bytes": len(text.encode()), "head": text[:keep]}
    return json.dumps(marker, separators=(",", ":"))


def _gzip_document(head: dict[str, Any], parts: dict[str, str]) -> bytes:
    fields = [json.dumps(head, separators=(",", ":"))[1:-1]]
    fields += [f"{json.dumps(name)}:{text}" for name, text in parts.items()]
    return gzip.compress(("{" + ",".join(fields) + "}").encode(), mtime=0)


def record_from(
    summary: LessonSummary, stored: Mapping[str, Any], lesson_json: str
) -> LessonRecord:
    """A whole record: its summary plus the fields only a get returns (same names stored)."""
    return LessonRecord(
        **summary._asdict(),
        owner=stored["owner"],
        prompt_version=stored["prompt_version"],
        widgets_version=stored["widgets_version"],
        idempotency_key=stored["idempotency_key"],
        provider_a=stored["provider_a"],
        model_a=stored["model_a"],
        provider_b=stored["provider_b"],
        model_b=stored["model_b"],
        meta=meta_from_dict(json.loads(stored["meta"])),
        lesson_json=lesson_json,
    )
