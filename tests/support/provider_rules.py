"""What a real provider answers to a JSON schema that breaks its rules.

The scripted server stands in for one provider profile and refuses, as that provider
would, before any output: HTTP 400 with the provider's documented error body.
- OpenAI (https://platform.openai.com/docs/guides/error-codes and the structured-output
  guide): ``{"error": {"message": "Invalid schema for response_format '<name>': ...",
  "type": "invalid_request_error", "param": "response_format", "code": null}}``; strict
  mode's rules apply when ``strict`` is true.
- Gemini (https://ai.google.dev/gemini-api/docs/troubleshooting, Google's API error
  model): ``{"error": {"code": 400, "message": ..., "status": "INVALID_ARGUMENT"}}``.
- vLLM / SGLang / Ollama (vLLM's ``ErrorResponse``): OpenAI's shape with
  ``"type": "BadRequestError"`` and ``"code": 400``.
"""

from __future__ import annotations

from typing import Any

from domain.schema.profiles import profile_violations


def refusal(profile: str | None, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """The (status, body) the provider of ``profile`` answers a request, if it refuses it."""
    response_format = body.get("response_format")
    if profile is None or not isinstance(response_format, dict):
        return None
    if response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema") or {}
    if profile == "openai" and spec.get("strict") is not True:
        return None  # without strict, OpenAI does not hold the schema to its rules
    violations = profile_violations(spec.get("schema") or {}, profile)
    if not violations:
        return None
    broken = "; ".join(str(v) for v in violations[:3])
    if profile == "gemini":
        message = f"* GenerateContentRequest.generation_config.response_json_schema: {broken}"
        return 400, {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
    message = f"Invalid schema for response_format '{spec.get('name')}': {broken}"
    if profile == "openai":
        error: dict[str, Any] = {
            "type": "invalid_request_error",
            "param": "response_format",
            "code": None,
        }
    else:
        error = {"type": "BadRequestError", "param": None, "code": 400}
    return 400, {"error": {"message": message, **error}}
