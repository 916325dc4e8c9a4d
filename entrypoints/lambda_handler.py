"""AWS Lambda entry (Function URL, payload 2.0): the same app, through Mangum.

The container and app are built at import, once per execution environment, and reused
by every warm invocation. Lifespan is off: Mangum would otherwise run start-up and
shut-down on every call. openai and agents are not imported here.
"""

from __future__ import annotations

import logging

from mangum import Mangum

from entrypoints.container import build_container
from entrypoints.http_app import build_app
from entrypoints.settings import load_settings

logging.getLogger("dgs").setLevel(logging.INFO)  # the runtime's handler writes to CloudWatch
container = build_container(load_settings())  # module-level: tests override its providers
app = build_app(container)
handler = Mangum(app, lifespan="off")
