"""The body of a job message: a small JSON object with a schema version and the job id.

``{"v": 1, "job_id": "..."}``. The version lets a later format be read beside this one
during a deploy (old and new workers share a queue). Anything else is malformed: it can
never run, and the worker treats it as poison.
"""

from __future__ import annotations

import json

MESSAGE_VERSION = 1
# Job ids are short opaque tokens; a longer one is not ours (and is not logged whole).
MAX_JOB_ID_LENGTH = 128


class MalformedJobMessage(ValueError):
    """A message body that is not a job message this version can read."""


def encode_job_message(job_id: str) -> str:
    """The body of the message that asks a worker to run ``job_id``."""
    _check_job_id(job_id)
    return json.dumps({"v": MESSAGE_VERSION, "job_id": job_id}, separators=(",", ":"))


def decode_job_message(body: str) -> str:
    """The job id a message body names; raises ``MalformedJobMessage`` saying why not."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedJobMessage(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise MalformedJobMessage("not a JSON object")
    if document.get("v") != MESSAGE_VERSION:
        raise MalformedJobMessage(f"unknown message version {document.get('v')!r:.20}")
    job_id = document.get("job_id")
    if not isinstance(job_id, str):
        raise MalformedJobMessage("job_id is missing or not a string")
    _check_job_id(job_id)
    return job_id


def _check_job_id(job_id: str) -> None:
    if not job_id or len(job_id) > MAX_JOB_ID_LENGTH or not job_id.isprintable():
        raise MalformedJobMessage(
            f"job_id must be 1-{MAX_JOB_ID_LENGTH} printable characters, got {job_id[:40]!r}"
        )
