"""AWS Lambda entry (Function URL, payload 2.0): the same app, through Mangum.

The container and app are built at import, once per execution environment, and reused
by every warm invocation. Lifespan is off: Mangum would otherwise run start-up and
shut-down on every call. openai and agents are not imported here. Logs are JSON lines
and metrics CloudWatch Embedded Metric Format lines, both on standard output.
"""

from __future__ import annotations

from mangum import Mangum

from entrypoints.container import build_container
from entrypoints.http_app import build_app
from entrypoints.observability import observe
from entrypoints.settings import load_settings

_settings = load_settings()
container = build_container(_settings, observe(_settings, "lambda"))  # tests override providers
app = build_app(container)
handler = Mangum(app, lifespan="off")
