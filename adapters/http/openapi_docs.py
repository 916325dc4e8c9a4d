"""What the OpenAPI document says beyond the routes: how to authenticate, and examples.

``security_schemes`` declares the ways to authenticate that the service's auth mode
accepts (the dev key, Cognito bearer tokens, or both); the /v1 routes require any one of
them, so Swagger UI's "Authorize" sends the header and "Try it out" works. The examples
(``adapters.http.examples``) are put in the served document here, so the routes stay as
they are.
"""

from __future__ import annotations

import copy
from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Reference, SecurityScheme

from adapters.http.edge import DEV_KEY_HEADER
from adapters.http.examples import examples, problem
from adapters.http.problems import PROBLEM_JSON
from adapters.llm.prompt_files import prompt_version
from application.principal import AuthMode

_DEV_KEY = SecurityScheme(
    type="apiKey",
    name="X-DGS-Dev-Key",
    security_scheme_in="header",
    description=f"The service's key ({DEV_KEY_HEADER}; `dgs serve` prints it when unset).",
)
_BEARER = SecurityScheme(
    type="http",
    scheme="bearer",  # RFC 6750
    bearer_format="JWT",
    description="A Cognito access token (or id token, per DGS_COGNITO_TOKEN_USE).",
)
_BY_MODE: dict[AuthMode, dict[str, SecurityScheme]] = {
    "dev-key": {"devKey": _DEV_KEY},
    "cognito": {"bearer": _BEARER},
    "both": {"devKey": _DEV_KEY, "bearer": _BEARER},
}


def security_schemes(mode: AuthMode) -> dict[str, SecurityScheme | Reference]:
    """The schemes the edge accepts in ``mode`` (DGS_AUTH_MODE)."""
    return dict(_BY_MODE[mode])


def security_requirements(mode: AuthMode) -> list[dict[str, list[str]]]:
    """Alternatives: a request needs any one scheme (OpenAPI 3.1, Security Requirement Object)."""
    return [{name: []} for name in _BY_MODE[mode]]


def with_examples(schema: dict[str, Any], prompt_version: str) -> dict[str, Any]:
    """A copy of the OpenAPI document with the examples in place."""
    document = copy.deepcopy(schema)
    for (path, method), by_status in examples(prompt_version).items():
        operation = document["paths"][path][method]
        for status, value in by_status.items():
            if status == "request":
                content = operation["requestBody"]["content"]
            else:
                content = operation["responses"][status]["content"]
            next(iter(content.values()))["example"] = value
    for item in document["paths"].values():  # every problem answer, with a real code
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                if PROBLEM_JSON in response.get("content", {}):
                    response["content"][PROBLEM_JSON]["example"] = problem(int(status))
    return document


class ExampleJson(JsonRenderPlugin):
    """``/docs/openapi.json``: the document with its examples (built once)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rendered: bytes | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The document as JSON."""
        if self._rendered is None:
            document = with_examples(openapi_schema, prompt_version())
            self._rendered = super().render(request, document)
        return self._rendered
