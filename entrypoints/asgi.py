"""The ASGI application for hypercorn (``entrypoints.asgi:app``), built from the settings.

``DGS_DEV_KEY`` must be set: ``dgs serve`` generates and prints one when it is not, and
the app refuses to start without it. Each hypercorn worker imports this module, so each
sets up its own logging and metrics (``entrypoints.observability``).
"""

from __future__ import annotations

from entrypoints.container import build_container
from entrypoints.http_app import build_app
from entrypoints.observability import observe
from entrypoints.settings import load_settings

_settings = load_settings()
app = build_app(build_container(_settings, observe(_settings, "container")))
