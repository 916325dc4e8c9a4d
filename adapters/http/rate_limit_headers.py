"""The RateLimit header fields, after draft-ietf-httpapi-ratelimit-headers-11 (May 2026).

``RateLimit-Policy`` lists each quota policy (section 3: ``"name";q=<quota>;w=<window
seconds>``) and ``RateLimit`` what is left of each for this client (section 4:
``"name";r=<remaining>;t=<seconds within which no more than r pass>``). Both are
Structured Field lists (RFC 9651): items joined by ", ", names as quoted strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from litestar.openapi.spec import OpenAPIHeader, OpenAPIResponse, Operation, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

from application.use_cases.rate_limits import Quotas

POLICY_HEADER = "RateLimit-Policy"
STATE_HEADER = "RateLimit"
_DESCRIPTIONS = {
    POLICY_HEADER: (
        'The quota policies (draft-ietf-httpapi-ratelimit-headers-11): "client" (generations'
        ' per client, q per w seconds, refilled evenly) and "daily" (generations per UTC day,'
        ' all clients together), e.g. `"client";q=10;w=3600, "daily";q=500;w=86400`.'
    ),
    STATE_HEADER: (
        "What is left of each policy: r more generations pass within the next t seconds,"
        ' e.g. `"client";r=9;t=360, "daily";r=412;t=5400`.'
    ),
}


def rate_limit_headers(quotas: Quotas) -> dict[str, str]:
    """Both fields for ``quotas`` (none when there are none)."""
    if not quotas:
        return {}
    policies = ", ".join(f'"{q.policy}";q={q.quota};w={_seconds(q.window)}' for q in quotas)
    states = ", ".join(f'"{q.policy}";r={q.remaining};t={_seconds(q.resets_after)}' for q in quotas)
    return {POLICY_HEADER: policies, STATE_HEADER: states}


def _seconds(duration: timedelta) -> int:
    """Whole seconds, rounded up: a client waiting that long never waits too little."""
    return max(0, math.ceil(duration.total_seconds() - 1e-6))


@dataclass  # so that the generated __init__ calls __post_init__
class RateLimitedOperation(Operation):
    """An operation whose 201 and 429 answers document the RateLimit fields.

    Litestar documents headers of the success response only, and without a schema when
    they are not set by the handler's decorator: the operation adds them itself.
    """

    def __post_init__(self) -> None:
        for status in ("201", "429"):
            response = self.responses.get(status) if self.responses else None
            if isinstance(response, OpenAPIResponse):
                response.headers = {**(response.headers or {}), **_documented()}


def _documented() -> dict[str, OpenAPIHeader | Reference]:
    return {
        name: OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description=text)
        for name, text in _DESCRIPTIONS.items()
    }
