"""Running a ``dgs`` command's work on a container: one mapping of errors to exit codes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from application.errors import (
    ApplicationError,
    InvalidCursorError,
    InvalidRequestError,
    StoreUnavailableError,
)
from entrypoints.commands import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_UNAVAILABLE
from entrypoints.commands.terminal import fail, reason
from entrypoints.container import Container, build_container, shutdown
from entrypoints.settings import SettingsError, load_settings


def run_with_container(name: str, work: Callable[[Container], Awaitable[int]]) -> int:
    """Build the container from the settings, run ``work``, close it; errors as exit codes.

    A bad setting, cursor or request is bad input; a store that does not answer is
    unavailable; any other refusal (not found, a job already finished) names its code.
    """
    try:
        container = build_container(load_settings())
    except SettingsError as exc:
        return fail(name, str(exc), EXIT_BAD_INPUT)

    async def run() -> int:
        try:
            return await work(container)
        finally:
            await shutdown(container)

    try:
        return asyncio.run(run())
    except (SettingsError, InvalidCursorError, InvalidRequestError) as exc:
        return fail(name, str(exc), EXIT_BAD_INPUT)
    except StoreUnavailableError as exc:
        return fail(name, reason(exc), EXIT_UNAVAILABLE)
    except ApplicationError as exc:
        return fail(name, f"{exc.code}: {exc}", EXIT_FAILED)
