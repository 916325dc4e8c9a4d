"""``dgs serve``: the API under hypercorn; generates and prints a dev key if one is needed."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import sys
import tempfile
from typing import TYPE_CHECKING

from entrypoints.commands import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNAVAILABLE
from entrypoints.commands.terminal import fail
from entrypoints.observability import MULTIPROCESS_VARIABLE, configure_logging
from entrypoints.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from hypercorn.config import Config

# The longest request head (request line and headers) hypercorn buffers; DGS needs a few
# hundred bytes. A head still incomplete after keep_alive_timeout is dropped as well.
MAX_REQUEST_HEAD_BYTES = 16 * 1024
KEEP_ALIVE_SECONDS = 5


def serve(args: argparse.Namespace) -> int:
    """Run hypercorn on entrypoints.asgi:app."""
    try:
        settings = load_settings()  # every setting checked before a key is made or shown
    except SettingsError as exc:
        return fail("serve", str(exc), EXIT_BAD_INPUT)
    if settings.dev_key is None and settings.auth_mode != "cognito":  # cognito: tokens only
        key = secrets.token_urlsafe(24)
        os.environ["DGS_DEV_KEY"] = key  # workers inherit it
        print(f"DGS_DEV_KEY was not set; this run's key is:\n\n    {key}\n", file=sys.stderr)
        print(
            "Send it as the X-DGS-Dev-Key header. It is not stored or shown again.\n",
            file=sys.stderr,
        )
    from hypercorn.run import run

    config = hypercorn_config(args, settings)
    metrics_dir = _multiprocess_metrics(args.workers)
    storage = (
        settings.storage if settings.storage == "dynamodb" else f"sqlite ({settings.sqlite_path})"
    )
    # Log lines, in the format the workers use: a log reader sees one format throughout.
    configure_logging(settings, "container")
    log = logging.getLogger("dgs.serve")
    log.info("DGS on http://%s:%s  store: %s  docs: /docs", args.host, args.port, storage)
    log.info("models: %s", _models(settings))
    log.info("auth: %s", _auth(settings))
    try:
        return EXIT_OK if run(config) == 0 else 1
    except OSError as exc:  # binding: the port is taken, or the address is not ours
        reason = exc.strerror or str(exc)
        return fail(
            "serve", f"cannot listen on {args.host}:{args.port}: {reason}", EXIT_UNAVAILABLE
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _multiprocess_metrics(workers: int) -> str | None:
    """With several workers, a fresh directory where each writes its metrics.

    A scrape answered by any worker then counts every worker's requests
    (prometheus-client's multiprocess mode). The workers inherit the variable; the
    directory is removed at exit. A directory the operator set is used as it is, and kept.
    """
    if workers <= 1 or os.environ.get(MULTIPROCESS_VARIABLE):
        return None
    directory = tempfile.mkdtemp(prefix="dgs-metrics-")
    os.environ[MULTIPROCESS_VARIABLE] = directory
    return directory


def hypercorn_config(args: argparse.Namespace, settings: Settings) -> Config:
    """The hypercorn configuration: the app, the address, and time and size bounds."""
    from hypercorn.config import Config

    config = Config()
    config.application_path = "entrypoints.asgi:app"
    config.bind = [f"{args.host}:{args.port}"]
    config.workers = args.workers
    config.include_server_header = False  # no server banner
    # DGS writes one line per request itself (entrypoints.observability): no access log.
    # hypercorn's own lines go through the logger DGS configures, in the same format.
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = 10
    # A read waits at most this long, so a client trickling its body (or sending nothing)
    # is disconnected; answering a slow request is not a read and is not cut short.
    config.read_timeout = settings.http_read_timeout_seconds
    config.keep_alive_timeout = KEEP_ALIVE_SECONDS
    config.h11_max_incomplete_size = MAX_REQUEST_HEAD_BYTES
    return config


def _auth(settings: Settings) -> str:
    """What callers must send, so a user sees how the server will check them."""
    key = "the X-DGS-Dev-Key header"
    if settings.auth_mode == "dev-key":
        return key
    tokens = (
        f"Cognito {settings.cognito_token_use} tokens of pool {settings.cognito_user_pool_id}, "
        f"app client {settings.cognito_app_client_id}"
    )
    return tokens if settings.auth_mode == "cognito" else f"{tokens}, or {key}"


def _models(settings: Settings) -> str:
    """The provider and model of each step, so a user sees what will serve them."""
    from domain.generation import LessonConstraints
    from entrypoints.llm_wiring import llm_settings

    routing = llm_settings(settings)
    routes = [routing.route(step, LessonConstraints()) for step in ("gatherer", "structurer")]
    if all(route.provider == "offline" for route in routes):
        return "offline (SAMPLE lessons: set a provider key for real ones)"
    return ", ".join(
        f"{step} {route.provider}/{route.model}"
        for step, route in zip(("gatherer", "structurer"), routes, strict=True)
    )
