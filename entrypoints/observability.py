"""Logs and metrics of a process: every entry point (server, Lambda, a worker) calls ``observe``.

- Logs: one line per record on one stream, all in one format (``DGS_LOG_FORMAT``): JSON,
  or ``key=value`` text for a terminal. Default: text when ``dgs serve`` writes to a
  terminal, JSON otherwise; always JSON on Lambda (CloudWatch reads it). The handler sits
  on the root logger, so library lines (hypercorn's, warnings) come out alike; DGS's own
  loggers (``dgs.*``) log at ``DGS_LOG_LEVEL``.
- Metrics: Prometheus for a container (``/metrics``; summed over hypercorn workers when
  ``PROMETHEUS_MULTIPROC_DIR`` is set, as ``dgs serve --workers N`` does), CloudWatch
  Embedded Metric Format lines on Lambda. A worker process picks the runtime it runs in.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path
from typing import Literal

from adapters.observability.logs import LogFormat, StandardStreamHandler, formatter
from adapters.observability.metrics import Metrics
from entrypoints.settings import Settings

Runtime = Literal["container", "lambda"]
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own name
_OURS = "_dgs_handler"


def observe(settings: Settings, runtime: Runtime) -> Metrics:
    """Set up this process's logging, and return where its metrics go."""
    configure_logging(settings, runtime)
    return build_metrics(runtime)


def log_format(settings: Settings, runtime: Runtime) -> LogFormat:
    """The format of this process's lines."""
    if runtime == "lambda":
        return "json"  # CloudWatch Logs Insights and metric extraction read JSON
    if settings.log_format is not None:
        return settings.log_format
    return "text" if sys.stderr.isatty() else "json"


def configure_logging(settings: Settings, runtime: Runtime) -> None:
    """One handler, on the root logger, in the chosen format (calling it again replaces it).

    On Lambda the runtime's own root handler is removed, or every line would appear twice
    in CloudWatch; lines go to standard output there, to standard error elsewhere.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False) or runtime == "lambda":
            root.removeHandler(handler)
    handler = StandardStreamHandler("stdout" if runtime == "lambda" else "stderr")
    handler.setFormatter(formatter(log_format(settings, runtime)))
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # libraries: warnings and errors only
    dgs = logging.getLogger("dgs")
    dgs.setLevel(settings.log_level)
    dgs.propagate = True
    logging.getLogger("hypercorn.error").setLevel(logging.INFO)  # start and stop lines


def build_metrics(runtime: Runtime) -> Metrics:
    """Prometheus in a container, EMF lines on Lambda (each imported only where used)."""
    if runtime == "lambda":
        from adapters.observability.emf import EmfMetrics

        return EmfMetrics()
    from adapters.observability.prometheus import PrometheusMetrics

    directory = os.environ.get(MULTIPROCESS_VARIABLE)
    return PrometheusMetrics(Path(directory) if directory else None)


def identity_key(settings: Settings) -> bytes:
    """The key of the identity hashes in log lines (a client, a job's owner).

    Stable across workers and restarts, and useless without the cursor secret.
    """
    return hashlib.sha256(b"dgs client identity\0" + settings.cursor_secret_bytes()).digest()
