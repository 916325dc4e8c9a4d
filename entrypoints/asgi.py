"""The ASGI application for hypercorn (``entrypoints.asgi:app``), built from the settings.

``DGS_DEV_KEY`` must be set: ``dgs serve`` generates and prints one when it is not, and
the app refuses to start without it.
"""

from __future__ import annotations

import logging

from entrypoints.container import build_container
from entrypoints.http_app import build_app
from entrypoints.settings import load_settings

# Each hypercorn worker imports this module: DGS's own loggers are set up here, once per
# process (hypercorn logs its own lines; the root logger is left alone so none repeat).
_handler = logging.StreamHandler()
_handler.setFormatter(
    logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
)
_dgs_log = logging.getLogger("dgs")
_dgs_log.addHandler(_handler)
_dgs_log.setLevel(logging.INFO)
_dgs_log.propagate = False
app = build_app(build_container(load_settings()))
