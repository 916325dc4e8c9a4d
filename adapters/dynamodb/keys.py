"""The single-table key design.

- ``pk=TENANT#default, sk=LESSON#{created_at}#{lesson_id}``: lesson summaries. Listing is
  one key-range Query on this partition, newest first; ``from``/``to`` bound the sort
  key, so no Scan and no body is ever read to list.
- ``pk=LESSON#{lesson_id}, sk=BODY``: the whole record with the lesson JSON. A lesson-id
  item rather than a GSI: a get is one strongly consistent GetItem, and bodies are not
  copied into an index (a GSI would project them, or need a second read anyway).
- ``pk=IDEMP#{tenant}#{route}#{key}``, ``pk=CACHE#{key}``, ``pk=RATE#{identity}``,
  ``pk=DAY#{identity}#{YYYY-MM-DD}`` (sk ``IDEMP``, ``CACHE``, ``RATE``, ``DAY``):
  idempotency, cache, token-bucket and day-counter records, each with a ``ttl`` attribute
  (epoch seconds) so DynamoDB's TTL deletes what code already ignores.
"""

from __future__ import annotations

from application.ports.idempotency import IdempotencyScope

TENANT_PK = "TENANT#default"
LESSON_PREFIX = "LESSON#"
LESSON_RANGE_END = "LESSON$"  # "$" sorts right after "#": the end of the lesson keys
BODY_SK = "BODY"


def summary_sk(created_at: str, lesson_id: str) -> str:
    """The sort key of a lesson's summary item."""
    return f"{LESSON_PREFIX}{created_at}#{lesson_id}"


def body_key(lesson_id: str) -> dict[str, str]:
    """The key of a lesson's body item."""
    return {"pk": f"{LESSON_PREFIX}{lesson_id}", "sk": BODY_SK}


def idempotency_key(scope: IdempotencyScope) -> dict[str, str]:
    """The key of an idempotency record."""
    return {"pk": f"IDEMP#{scope.tenant}#{scope.route}#{scope.key}", "sk": "IDEMP"}


def cache_key(key: str) -> dict[str, str]:
    """The key of a cache entry."""
    return {"pk": f"CACHE#{key}", "sk": "CACHE"}


def rate_key(identity: str) -> dict[str, str]:
    """The key of a token bucket."""
    return {"pk": f"RATE#{identity}", "sk": "RATE"}


def day_key(identity: str, day: str) -> dict[str, str]:
    """The key of an identity's counter for one UTC day."""
    return {"pk": f"DAY#{identity}#{day}", "sk": "DAY"}
