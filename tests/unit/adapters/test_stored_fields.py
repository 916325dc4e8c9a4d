"""Stored fields read back as they were written: timestamps (fast reader and old one alike), tags."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.serialization import parse_timestamp, read_tags, timestamp

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_SHAPE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"


def by_strptime(text: str) -> datetime:
    """How stored timestamps were read before ``fromisoformat``."""
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def outcome(read: Callable[[str], datetime], text: str) -> datetime | str:
    try:
        return read(text)
    except ValueError:
        return "refused"


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.sampled_from([UTC])))
def test_every_written_timestamp_reads_back_as_strptime_read_it(moment: datetime) -> None:
    text = timestamp(moment)
    assert len(text) == 27
    parsed = parse_timestamp(text)
    assert parsed == moment == by_strptime(text)
    assert parsed.utcoffset() == timedelta(0)


@given(st.from_regex(_SHAPE, fullmatch=True))
def test_any_text_of_the_stored_shape_reads_as_strptime_reads_it(text: str) -> None:
    """Month 13, second 60, February 30: refused by both readers, or read alike."""
    assert outcome(parse_timestamp, text) == outcome(by_strptime, text)


@pytest.mark.parametrize(
    "text", ["2026-11-21T09:00:00.1Z", "999-01-01T00:00:00.000000Z", "2026-11-21", ""]
)
def test_other_forms_are_read_or_refused_as_before(text: str) -> None:
    assert outcome(parse_timestamp, text) == outcome(by_strptime, text)


@pytest.mark.parametrize(
    "tags", [(), ("biology",), ("é", 'say "hi"', "back\\slash", "tab\tbed"), ("lone \ud800",)]
)
def test_tags_read_back_as_stored(tags: tuple[str, ...]) -> None:
    """A lone surrogate (msgspec refuses it, ``json`` reads it) included."""
    assert read_tags(json.dumps(list(tags))) == tags
