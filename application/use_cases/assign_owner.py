"""``dgs store assign-owner``: hand the single tenant's lessons to a signed-in user.

Before users, every lesson belonged to the dev tenant (``TENANT#default``). This moves
them to ``USER#{sub}``, one lesson at a time, each move atomic: a run stopped midway is
resumed by running it again (what moved is no longer the tenant's, so it is not seen
again), and a run with nothing left moves nothing. A dry run counts, changing nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from application.errors import InvalidRequestError
from application.ports.lessons import LessonRepository
from application.principal import DEV_TENANT, USER_PREFIX

BATCH = 100
# A Cognito sub is a UUID; any id of letters, digits, "-" and "_" is accepted (no "#":
# it would make another key), up to Cognito's 128 characters for a username.
_SUB = re.compile(r"[A-Za-z0-9_-]{1,128}")


@dataclass(frozen=True, slots=True)
class Assignment:
    """What a run found and moved."""

    found: int  # lessons of the tenant when the run started (any status)
    moved: int  # by this run (0 on a dry run)
    to_owner: str


class AssignOwner:
    """Moves lessons from one owner to another, resumably."""

    def __init__(self, lessons: LessonRepository, batch: int = BATCH) -> None:
        self._lessons = lessons
        self._batch = batch

    async def __call__(
        self, sub: str, *, dry_run: bool, from_owner: str = DEV_TENANT
    ) -> Assignment:
        """Move (or on a dry run, count) ``from_owner``'s lessons to ``USER#{sub}``."""
        if not _SUB.fullmatch(sub):
            raise InvalidRequestError(f"not a user's sub: {sub!r}")
        to_owner = f"{USER_PREFIX}{sub}"
        found = len(await self._lessons.owned(from_owner, 10**9))
        if dry_run:
            return Assignment(found, 0, to_owner)
        moved = 0
        while batch := await self._lessons.owned(from_owner, self._batch):
            for lesson_id in batch:
                moved += await self._lessons.reassign(lesson_id, from_owner, to_owner)
        return Assignment(found, moved, to_owner)
