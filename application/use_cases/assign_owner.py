"""``dgs store assign-owner``: hand everything the single tenant holds to a signed-in user.

Before users, all data belonged to the dev tenant (``TENANT#default``). This moves its
lessons, jobs, idempotency records and repair records to ``USER#{sub}``, one record at a
time, each move atomic: a run stopped midway is resumed by running it again (what moved
is no longer the tenant's, so it is not seen again), and a run with nothing left moves
nothing. A dry run counts each kind, changing nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from application.errors import InvalidRequestError
from application.ports.account import Handover
from application.ports.lessons import LessonRepository
from application.principal import DEV_TENANT, USER_PREFIX

BATCH = 100
# A Cognito sub is a UUID; any id of letters, digits, "-" and "_" is accepted (no "#":
# it would make another key), up to Cognito's 128 characters for a username.
_SUB = re.compile(r"[A-Za-z0-9_-]{1,128}")
# What moves, in this order: lessons first, so the jobs and keys that name them follow.
Kind = Literal["lessons", "jobs", "idempotency", "repairs"]
KINDS: tuple[Kind, ...] = ("lessons", "jobs", "idempotency", "repairs")


@dataclass(frozen=True, slots=True)
class Assignment:
    """What a run found and moved, by kind."""

    found: dict[Kind, int]  # records of the tenant when the run started (any status)
    moved: dict[Kind, int]  # by this run (0 on a dry run)
    to_owner: str


class LessonHandover:
    """An owner's lessons (any status) as a ``Handover``: one atomic move each."""

    def __init__(self, lessons: LessonRepository, batch: int = BATCH) -> None:
        self._lessons = lessons
        self._batch = batch

    async def count(self, owner: str) -> int:
        """How many lessons the owner has, deleted ones included."""
        return len(await self._lessons.owned(owner, 10**9))

    async def hand_over(self, from_owner: str, to_owner: str) -> int:
        """Move them a batch at a time; how many moved."""
        moved = 0
        while batch := await self._lessons.owned(from_owner, self._batch):
            for lesson_id in batch:
                moved += await self._lessons.reassign(lesson_id, from_owner, to_owner)
        return moved


class AssignOwner:
    """Moves every kind of record from one owner to another, resumably."""

    def __init__(
        self,
        lessons: LessonRepository,
        *,
        jobs: Handover,
        idempotency: Handover,
        repairs: Handover,
        batch: int = BATCH,
    ) -> None:
        self._kinds: dict[Kind, Handover] = {
            "lessons": LessonHandover(lessons, batch),
            "jobs": jobs,
            "idempotency": idempotency,
            "repairs": repairs,
        }

    async def __call__(
        self, sub: str, *, dry_run: bool, from_owner: str = DEV_TENANT
    ) -> Assignment:
        """Move (or on a dry run, count) ``from_owner``'s records to ``USER#{sub}``."""
        if not _SUB.fullmatch(sub):
            raise InvalidRequestError(f"not a user's sub: {sub!r}")
        to_owner = f"{USER_PREFIX}{sub}"
        found = {kind: await self._kinds[kind].count(from_owner) for kind in KINDS}
        moved = dict.fromkeys(KINDS, 0)
        if not dry_run:
            for kind in KINDS:
                moved[kind] = await self._kinds[kind].hand_over(from_owner, to_owner)
        return Assignment(found, moved, to_owner)
