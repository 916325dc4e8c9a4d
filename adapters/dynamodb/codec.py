"""Python values to DynamoDB attribute values and back: numbers, compression, size.

Numbers are handled here and only here: floats go in as ``Decimal(repr(f))`` (exact for
every float), and come back as int when they have no fractional part written, else as
float. Large texts are stored gzip-compressed as binary.
"""

from __future__ import annotations

import gzip
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

from application.errors import LessonTooLargeError

MAX_ITEM_BYTES = 350_000  # DynamoDB refuses items over 400 KB; keep a margin
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attributes(item: dict[str, Any]) -> dict[str, Any]:
    """A plain item as DynamoDB attribute values."""
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in item.items() if v is not None}


def from_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values as a plain item."""
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in attributes.items()}


def value(python: Any) -> dict[str, Any]:
    """One value as an attribute value (for expression values)."""
    return dict(_serializer.serialize(_to_dynamo(python)))


def _to_dynamo(python: Any) -> Any:
    if isinstance(python, bool):
        return python
    if isinstance(python, float):
        return Decimal(repr(python))
    if isinstance(python, list | tuple):
        return [_to_dynamo(v) for v in python]
    if isinstance(python, dict):
        return {k: _to_dynamo(v) for k, v in python.items()}
    return python


def _from_dynamo(stored: Any) -> Any:
    if isinstance(stored, Decimal):
        return int(stored) if stored.as_tuple().exponent == 0 else float(stored)
    if isinstance(stored, Binary):
        return bytes(stored.value)
    if isinstance(stored, list):
        return [_from_dynamo(v) for v in stored]
    if isinstance(stored, dict):
        return {k: _from_dynamo(v) for k, v in stored.items()}
    return stored


def pack_text(item: dict[str, Any], name: str, text: str, compress_above: int) -> None:
    """Put ``text`` in ``item[name]``, or gzip it into ``item[name + '_gz']`` if large."""
    raw = text.encode("utf-8")
    if len(raw) > compress_above:
        item[f"{name}_gz"] = gzip.compress(raw, mtime=0)
        item.pop(name, None)
    else:
        item[name] = text
        item.pop(f"{name}_gz", None)


def unpack_text(item: dict[str, Any], name: str) -> str | None:
    """The text ``pack_text`` stored, compressed or not."""
    packed = item.get(f"{name}_gz")
    if packed is not None:
        return gzip.decompress(packed).decode("utf-8")
    text = item.get(name)
    return None if text is None else str(text)


def guard_size(item: dict[str, Any]) -> None:
    """Refuse, before any write, an item DynamoDB would refuse."""
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        raise LessonTooLargeError(size, MAX_ITEM_BYTES)


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item: attribute names plus values (an upper estimate)."""
    return sum(len(name.encode()) + _value_size(v) for name, v in item.items() if v is not None)


def _value_size(python: Any) -> int:
    if isinstance(python, str):
        return len(python.encode("utf-8"))
    if isinstance(python, bytes):
        return len(python)
    if isinstance(python, bool) or python is None:
        return 1
    if isinstance(python, int | float | Decimal):
        return 21  # the most a number can take
    if isinstance(python, list | tuple):
        return 3 + sum(1 + _value_size(v) for v in python)
    if isinstance(python, dict):
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in python.items())
    raise TypeError(f"cannot size {type(python).__name__}")
