"""``dgs serve``: the API under hypercorn; generates and prints a dev key if none is set."""

from __future__ import annotations

import argparse
import os
import secrets
import sys

from entrypoints.commands import EXIT_BAD_INPUT, EXIT_OK
from entrypoints.settings import SettingsError, load_settings


def serve(args: argparse.Namespace) -> int:
    """Run hypercorn on entrypoints.asgi:app."""
    if not os.environ.get("DGS_DEV_KEY"):
        key = secrets.token_urlsafe(24)
        os.environ["DGS_DEV_KEY"] = key  # workers inherit it
        print(f"DGS_DEV_KEY was not set; this run's key is:\n\n    {key}\n", file=sys.stderr)
        print(
            "Send it as the X-DGS-Dev-Key header. It is not stored or shown again.\n",
            file=sys.stderr,
        )
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"dgs serve: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from hypercorn.config import Config
    from hypercorn.run import run

    config = Config()
    config.application_path = "entrypoints.asgi:app"
    config.bind = [f"{args.host}:{args.port}"]
    config.workers = args.workers
    config.include_server_header = False  # no server banner
    config.accesslog = "-"
    config.errorlog = "-"
    config.graceful_timeout = 10
    storage = (
        settings.storage if settings.storage == "dynamodb" else f"sqlite ({settings.sqlite_path})"
    )
    print(f"DGS on http://{args.host}:{args.port}  store: {storage}  docs: /docs", file=sys.stderr)
    return EXIT_OK if run(config) == 0 else 1
