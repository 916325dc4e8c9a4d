"""A job record as stored text (JSON), the same for every store."""

from __future__ import annotations

import msgspec

from application.jobs.records import JobRecord

_DECODER = msgspec.json.Decoder(JobRecord)


def encode_job(job: JobRecord) -> str:
    """The record as JSON text."""
    return msgspec.json.encode(job).decode()


def decode_job(text: str | bytes) -> JobRecord:
    """The record stored by ``encode_job``."""
    return _DECODER.decode(text)
