"""Logging state a test may change (an entry point's set-up), put back afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

_LOGGERS = ("", "dgs", "hypercorn.error")


@contextmanager
def preserved_logging() -> Iterator[None]:
    """Restore the handlers, levels and propagation of the root, dgs and hypercorn loggers."""
    saved = [
        (logger, list(logger.handlers), logger.level, logger.propagate)
        for logger in (logging.getLogger(name) for name in _LOGGERS)
    ]
    try:
        yield
    finally:
        for logger, handlers, level, propagate in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate
