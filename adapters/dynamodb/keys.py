"""The single-table key design.

- ``pk={owner}, sk=LESSON#{created_at}#{lesson_id}``: lesson summaries, in the owner's
  partition: ``USER#{sub}`` (the specification's key), or ``TENANT#default`` for the dev
  key. Listing is one key-range Query on the caller's partition, newest first;
  ``from``/``to`` bound the sort key, so no Scan and no body is ever read to list.
- ``pk=LESSON#{lesson_id}, sk=BODY``: the whole record with the lesson JSON and its
  ``owner`` (items written before users have none: the dev tenant's). A lesson-id item
  rather than a GSI: a get is one strongly consistent GetItem, and bodies are not copied
  into an index (a GSI would project them, or need a second read anyway). Every read
  checks the owner and every write is conditioned on it.
- ``pk={owner}, sk=IDEMP#{route}#{key}``: idempotency records, in the owner's partition
  beside its lessons (they hold a response: the lesson), so erasing an owner's data is
  Queries of one partition.
- ``pk={owner}, sk=REPAIR#{created_at}#{repair_id}``: repair records, in the owner's
  partition too (they hold the model's output about the owner's topic), so its export
  and erasure are Queries of that partition. ``pk=REPAIR, sk={created_at}#{repair_id}``
  names each record's owner: the fine-tuning export reads every owner's records in time
  order through this one partition (a Query, then the records by key), never a Scan.
  Items there that hold a record themselves were kept before owners: the dev tenant's
  (``dgs store init`` moves them to its partition).
- ``pk=CACHE#{key}``, ``pk=RATE#{identity}``, ``pk=DAY#{identity}#{period}`` (sk
  ``CACHE``, ``RATE``, ``DAY``): cache, token-bucket and day- or month-counter records.
  Every record but a lesson has a ``ttl`` attribute (epoch seconds) so DynamoDB's TTL
  deletes what code already ignores. The cache is shared: its keys are digests of public
  inputs only, and it holds lesson documents, never a lesson id or owner.
"""

from __future__ import annotations

from application.ports.idempotency import IdempotencyScope

LESSON_PREFIX = "LESSON#"
LESSON_RANGE_END = "LESSON$"  # "$" sorts right after "#": the end of the lesson keys
BODY_SK = "BODY"
IDEMPOTENCY_PREFIX = "IDEMP#"
REPAIR_PREFIX = "REPAIR#"
REPAIR_RANGE_END = "REPAIR$"  # "$" sorts right after "#": the end of the repair keys
REPAIR_LOG_PK = "REPAIR"


def summary_sk(created_at: str, lesson_id: str) -> str:
    """The sort key of a lesson's summary item."""
    return f"{LESSON_PREFIX}{created_at}#{lesson_id}"


def body_key(lesson_id: str) -> dict[str, str]:
    """The key of a lesson's body item."""
    return {"pk": f"{LESSON_PREFIX}{lesson_id}", "sk": BODY_SK}


def idempotency_key(scope: IdempotencyScope) -> dict[str, str]:
    """The key of an idempotency record."""
    return {"pk": scope.tenant, "sk": f"{IDEMPOTENCY_PREFIX}{scope.route}#{scope.key}"}


def repair_key(owner: str, at: str) -> dict[str, str]:
    """The key of an owner's repair record; ``at`` is ``{created_at}#{repair_id}``."""
    return {"pk": owner, "sk": f"{REPAIR_PREFIX}{at}"}


def repair_log_key(at: str) -> dict[str, str]:
    """The key of the log's entry naming the owner of the record made ``at``."""
    return {"pk": REPAIR_LOG_PK, "sk": at}


def cache_key(key: str) -> dict[str, str]:
    """The key of a cache entry."""
    return {"pk": f"CACHE#{key}", "sk": "CACHE"}


def rate_key(identity: str) -> dict[str, str]:
    """The key of a token bucket."""
    return {"pk": f"RATE#{identity}", "sk": "RATE"}


def day_key(identity: str, day: str) -> dict[str, str]:
    """The key of an identity's counter for one UTC day."""
    return {"pk": f"DAY#{identity}#{day}", "sk": "DAY"}
