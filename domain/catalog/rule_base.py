"""What every rule of a widget spec is: a field path, a stable code, one check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

Loc = tuple[str | int, ...]
Violation = tuple[Loc, str]


class BaseRule(BaseModel):
    """Common shape of every rule: which field it checks, and its stable error code.

    A rule's meaning is written once, in ``message`` (or, for rules reporting several
    places of one value, ``violations``); validation calls it on every value it applies
    to, through ``checker()``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    field: str
    code: ClassVar[str]
    several: ClassVar[bool] = False  # reports several places: use violations(), not message()

    def violations(self, value: Any, parent: Any) -> list[Violation]:
        """(location relative to the value, message) for each violation."""
        message = self.message(value, parent)
        return [] if message is None else [((), message)]

    def message(self, value: Any, parent: Any) -> str | None:
        """Return why the value breaks the rule, or None when it holds."""
        raise NotImplementedError

    def checker(self) -> Callable[[Any, Any], str | None]:
        """``message`` as a plain function (validation calls it for every widget)."""
        return self.message
