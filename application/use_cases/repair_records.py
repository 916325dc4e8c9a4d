"""The repair step: at most one repair call for an invalid lesson, and its record.

The record (invalid lesson, errors, repaired lesson, outcome) is kept best effort: the
dataset is a by-product of a generation. A store that is down, a record that does not
fit, a bug in an adapter: none of them may fail the generation the record describes.
The failure is logged with its cause.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from application.ports.generation import Progress, Repairer, RepairLog, RepairRecord
from application.use_cases.lesson_draft import Draft, verdict
from application.use_cases.lesson_verdict import as_recorded, failure

log = logging.getLogger("dgs.repairs")


async def repair_once(
    draft: Draft, repairer: Repairer, repairs: RepairLog, report: Progress, *, enabled: bool
) -> Draft:
    """The draft once its lesson is valid: repaired once if it was not (else the error)."""
    invalid = draft.verdict
    assert invalid is not None
    assert draft.idm is not None
    if invalid.ok:
        report.step("repair", "skipped")
        return draft
    if not enabled:
        report.step("repair", "skipped")
        raise failure(draft.output, invalid, after_repair=False)
    report.step("repair", "start")
    prepared = draft.prepared
    fixed = await repairer.repair(
        draft.output, invalid.errors, prepared.constraints, prepared.schema_version
    )
    result = await verdict(fixed.lesson, prepared.schema_version)
    await keep_repair(
        repairs,
        RepairRecord(
            idm=draft.idm,
            invalid_lesson=as_recorded(draft.output),
            errors=invalid.errors,
            repaired_lesson=as_recorded(fixed.lesson),
            outcome="valid" if result.ok else "invalid",
            schema_version=prepared.schema_version,
            prompt_version=prepared.prompt_version,
            constraints=prepared.constraints,
            owner=prepared.request.owner,  # the record is the requester's data (issue 14)
        ),
    )
    report.step("repair", "done" if result.ok else "failed")
    if not result.ok:
        raise failure(fixed.lesson, result, after_repair=True)
    return replace(
        draft,
        output=fixed.lesson,
        verdict=result,
        usage=(*draft.usage, fixed.usage),
        repaired=True,
    )


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
