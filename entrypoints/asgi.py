"""The ASGI application for hypercorn (``entrypoints.asgi:app``), built from the settings.

``DGS_DEV_KEY`` must be set: ``dgs serve`` generates and prints one when it is not, and
the app refuses to start without it.
"""

from __future__ import annotations

from entrypoints.container import build_container
from entrypoints.http_app import build_app
from entrypoints.settings import load_settings

app = build_app(build_container(load_settings()))
