"""What ``dgs generate`` and ``dgs estimate`` share: their options as the use cases' request.

Both take the same options (``cli.py`` copies them) and go through the same use cases as
``POST /v1/lessons/generate`` and ``/estimate``: the request is made here once, the
container built once, and the use cases' refusals map to the same exit codes.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.errors import (
    InvalidRequestError,
    StoreUnavailableError,
    StructuredOutputUnavailableError,
)
from application.use_cases.generate_lesson import GenerateRequest
from domain.generation import LessonConstraints
from entrypoints.commands import EXIT_BAD_INPUT, EXIT_UNAVAILABLE
from entrypoints.commands.terminal import fail, reason
from entrypoints.container import Container, build_container, shutdown
from entrypoints.settings import SettingsError, load_settings

T = TypeVar("T")


class CommandFailed(Exception):
    """The command ends with ``code`` (its message is already printed)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def generate_request(args: argparse.Namespace) -> GenerateRequest:
    """The use-case request of the options (ValueError for constraints that are not ones)."""
    constraints = LessonConstraints(
        learner_level=args.level, language=args.language, length=args.length, mode=args.mode
    )
    return GenerateRequest(
        topic=args.topic, constraints=constraints, schema_version=args.schema_version
    )


def run_generation_command(
    command: str,
    args: argparse.Namespace,
    work: Callable[[Container, GenerateRequest], Awaitable[T]],
) -> T:
    """``work`` with the request of ``args`` and a container of the settings, then shut down.

    A bad option or setting, a request the use case refuses or a model that cannot serve
    a step ends with ``EXIT_BAD_INPUT``; a store that does not answer ``EXIT_UNAVAILABLE``
    (``CommandFailed``, the message printed). Other errors are the caller's.
    """
    try:
        settings = load_settings()
        request = generate_request(args)
        container = build_container(settings)
    except (SettingsError, ValueError) as exc:
        raise CommandFailed(fail(command, str(exc), EXIT_BAD_INPUT)) from None

    async def run() -> T:
        try:
            return await work(container, request)
        finally:
            await shutdown(container)

    try:
        return asyncio.run(run())
    except (InvalidRequestError, StructuredOutputUnavailableError) as exc:
        raise CommandFailed(fail(command, str(exc), EXIT_BAD_INPUT)) from None
    except StoreUnavailableError as exc:
        raise CommandFailed(fail(command, reason(exc), EXIT_UNAVAILABLE)) from None
