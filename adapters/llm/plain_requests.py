"""An OpenAI client that writes plain-JSON Chat Completions requests itself.

``chat.completions.create`` passes its arguments through the SDK's ``transform``, which
walks them against their TypedDict annotations (each message against the union of six
message types, the response format against three) to rename aliased keys, format dates
and files and dump pydantic models. Chat Completions request types have none of those (no
``PropertyInfo`` in ``openai/types/chat/*_param.py``), and the agents SDK passes plain
JSON (dicts, lists, strings, numbers: ``Converter.items_to_messages``, then
``_to_dump_compatible``), so the walk gives back what it was given: ~0.8 ms of event loop
per call. Then ``json.dumps`` writes the lesson's JSON schema again on every call (~17 KB,
~0.3 ms), though it is one shared, read-only object per catalog version and profile.

So a call whose arguments are all plain JSON is written here: the arguments given (the
omitted ones left out), ``extra_body`` over them (the SDK's documented precedence: "The
extra values given here take precedence over values defined on the client or passed to
this method"), and the response format's text, written once per schema object. It is sent
with the client's ``post`` (the SDK's documented way to make a request it has no method
for) with the options ``create`` gives: bearer authentication, the extra headers and
query, the timeout. The provider reads the same JSON (its members in the order given).
Anything else (a stream, a value that is not plain JSON) goes the SDK's own way.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from openai import NOT_GIVEN, AsyncOpenAI, NotGiven, Omit, __version__
from openai._base_client import make_request_options  # what the SDK's resources use
from openai.resources.chat import AsyncChat
from openai.resources.chat.completions import AsyncCompletions
from openai.types.chat import ChatCompletion

_SCALARS = frozenset({str, int, float, bool, type(None)})
# Arguments of ``create`` that are options of the request, not members of its body.
_OPTIONS = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})
FORMAT = "response_format"
# Response formats whose text is kept; past this many, the kept texts are dropped (a
# process has one schema per catalog version and profile, and the material's).
MAX_FORMATS = 64


def is_plain_json(value: object) -> bool:
    """Whether ``value`` is made only of dicts (string keys), lists and JSON scalars.

    Exact types only: anything else (a pydantic model, a ``str`` enum, a tuple) goes the
    SDK's way, which may read it differently.
    """
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is dict:
        return all(type(key) is str and is_plain_json(item) for key, item in value.items())  # type: ignore[attr-defined]
    if kind is list:
        return all(is_plain_json(item) for item in value)  # type: ignore[attr-defined]
    return False


def _text(value: object) -> str:
    """JSON as the SDK writes a body (``openai._utils._json.openapi_dumps``)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class FormatTexts:
    """The JSON text of each response format, written once per schema object.

    A schema is shared and read only (``domain.schema.llm``, ``adapters.llm.*_output``):
    its text is kept with the object itself (so a new object at a reused address is not
    mistaken for it) and the rest of the format, which is checked on every call.
    """

    def __init__(self) -> None:
        self._texts: dict[int, tuple[object, dict[str, Any], str]] = {}

    def text(self, response_format: object) -> str | None:
        """The format as JSON text; None when it is not plain JSON."""
        outer = _outer(response_format)
        if outer is None:
            return _text(response_format) if is_plain_json(response_format) else None
        schema, rest = outer
        kept = self._texts.get(id(schema))
        if kept is not None and kept[0] is schema and kept[1] == rest:
            return kept[2]
        if not is_plain_json(response_format):
            return None
        if len(self._texts) >= MAX_FORMATS:
            self._texts.clear()
        written = _text(response_format)
        self._texts[id(schema)] = (schema, rest, written)
        return written


def _outer(response_format: object) -> tuple[object, dict[str, Any]] | None:
    """A JSON-schema format's schema, and the format without it (None for other formats)."""
    if type(response_format) is not dict:
        return None
    inner = response_format.get("json_schema")
    if type(inner) is not dict or "schema" not in inner:
        return None
    rest = {**response_format, "json_schema": {k: v for k, v in inner.items() if k != "schema"}}
    return inner["schema"], rest


class PlainRequestsCompletions(AsyncCompletions):
    """``create``, writing plain-JSON requests itself (the module's docstring says why)."""

    async def create(self, **params: Any) -> Any:
        """The SDK's ``create``; a plain-JSON, non-streamed call is written here."""
        payload = None if params.get("stream") else self._payload(params)
        if payload is None:
            return await super().create(**params)
        options = make_request_options(  # as create makes them
            extra_headers=params.get("extra_headers"),
            extra_query=params.get("extra_query"),
            timeout=params.get("timeout", NOT_GIVEN),
            security={"bearer_auth": True},
        )
        return await self._post(
            "/chat/completions",
            cast_to=ChatCompletion,
            content=payload,
            options=options,
        )

    def _payload(self, params: dict[str, Any]) -> bytes | None:
        """The request body as the SDK would write it, or None when it is not plain JSON."""
        body = {
            name: value
            for name, value in params.items()
            if name not in _OPTIONS and not isinstance(value, Omit | NotGiven)
        }
        body.update(params.get("extra_body") or {})
        given_format = FORMAT in body
        response_format = body.pop(FORMAT, None)
        if not is_plain_json(body):
            return None
        text = _text(body)
        if given_format:
            format_text = _FORMATS.text(response_format)
            if format_text is None:
                return None
            separator = "," if body else ""
            text = f'{text[:-1]}{separator}"{FORMAT}":{format_text}}}'
        return text.encode()


_FORMATS = FormatTexts()  # one per process, as the schemas are


class _PlainRequestsChat(AsyncChat):
    @cached_property
    def completions(self) -> AsyncCompletions:
        """Chat Completions, plain-JSON requests written here."""
        return PlainRequestsCompletions(self._client)


class PlainRequestsOpenAI(AsyncOpenAI):
    """``AsyncOpenAI`` whose ``chat.completions.create`` writes plain-JSON requests itself.

    Copies (``with_options``, which the agents SDK may call) are of this class too.
    """

    @cached_property
    def chat(self) -> AsyncChat:
        """Chat, its completions writing plain-JSON requests."""
        return _PlainRequestsChat(self)

    @property
    def user_agent(self) -> str:
        """The stock client's (the SDK names the client's class in it)."""
        return f"{AsyncOpenAI.__name__}/Python {__version__}"
