"""Keeping repair records, best effort: the dataset is a by-product of a generation.

A store that is down, a record that does not fit, a bug in an adapter: none of them may
fail the generation the record describes. The failure is logged with its cause.
"""

from __future__ import annotations

import logging

from application.ports.generation import RepairLog, RepairRecord

log = logging.getLogger("dgs.repairs")


async def keep_repair(repairs: RepairLog, record: RepairRecord) -> None:
    """Record ``record``; a failure is logged and swallowed (cancellation still propagates)."""
    try:
        await repairs.record(record)
    except Exception as exc:
        log.warning(
            "a repair record was not kept (outcome %s, schema %s): %s",
            record.outcome,
            record.schema_version,
            exc,
            exc_info=exc,
        )
