"""Read a provider's HTTP 400: whether it refused the request's JSON schema, and why.

The shapes, as the providers document them:
- OpenAI: ``{"error": {"message", "type": "invalid_request_error", "param", "code"}}``
  (https://platform.openai.com/docs/guides/error-codes); a schema refusal names
  ``param: "response_format"`` and says "Invalid schema for response_format ...".
- Gemini: ``{"error": {"code": 400, "message", "status": "INVALID_ARGUMENT"}}``
  (https://ai.google.dev/gemini-api/docs/troubleshooting); its OpenAI-compatible
  endpoint may wrap the same object in a list.
- vLLM, SGLang, Ollama answer in OpenAI's shape; their grammar engines' refusals name
  the schema ("The provided JSON schema contains features not supported ...").
"""

from __future__ import annotations

from typing import Any


def schema_rejection(body: Any) -> str | None:
    """The provider's message if a 400 ``body`` refuses the JSON schema, else None."""
    error = _error_object(body)
    if error is None:
        return None
    message = error.get("message")
    if not isinstance(message, str):
        return None
    if error.get("param") == "response_format" or "schema" in message.lower():
        return message
    return None


def _error_object(body: Any) -> dict[str, Any] | None:
    if isinstance(body, list) and body:
        body = body[0]
    if not isinstance(body, dict):
        return None
    error = body.get("error", body)
    return error if isinstance(error, dict) else None
