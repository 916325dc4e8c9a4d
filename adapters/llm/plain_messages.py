"""An OpenAI client that sends plain JSON messages without the SDK walking them first.

``chat.completions.create`` passes its arguments through the SDK's ``transform``, which
walks every message against the union of the six message types (each a TypedDict, each
field's annotation unpacked) to rename aliased keys, format dates and files and dump
pydantic models. Chat Completions request types have none of those (no ``PropertyInfo``
in ``openai/types/chat/*_param.py``), and the agents SDK hands over messages that are
plain JSON already (dicts, lists, strings, numbers: ``Converter.items_to_messages``, then
``_to_dump_compatible``), so the walk gives back what it was given, and costs ~0.6 ms of
event loop per call: a fifth of a step's own CPU, on the loop every request shares.

Values given as ``extra_body`` are sent as given, merged into the body over the named
arguments (the SDK's documented precedence: "The extra values given here take precedence
over values defined on the client or passed to this method"). So plain messages are
passed there, and ``messages`` itself is given empty (it is required): the bytes sent are
the same JSON. Messages that are not plain JSON go the SDK's way, transformed. The
response format is left to the SDK: its walk stops at the schema's first level
(``Dict[str, object]``), cheaper than proving the schema plain.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from openai import AsyncOpenAI
from openai.resources.chat import AsyncChat
from openai.resources.chat.completions import AsyncCompletions

_SCALARS = frozenset({str, int, float, bool, type(None)})


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


class PlainMessagesCompletions(AsyncCompletions):
    """``create`` with plain messages sent as given (the module's docstring says why)."""

    async def create(self, **params: Any) -> Any:
        """The SDK's ``create``; plain messages ride in ``extra_body``, untransformed."""
        messages = params.get("messages")
        extra_body = params.get("extra_body") or {}
        if type(messages) is list and "messages" not in extra_body and is_plain_json(messages):
            params = {**params, "messages": [], "extra_body": {"messages": messages, **extra_body}}
        return await super().create(**params)


class _PlainMessagesChat(AsyncChat):
    @cached_property
    def completions(self) -> AsyncCompletions:
        """Chat Completions, plain messages sent as given."""
        return PlainMessagesCompletions(self._client)


class PlainMessagesOpenAI(AsyncOpenAI):
    """``AsyncOpenAI`` whose ``chat.completions.create`` sends plain messages as given.

    Copies (``with_options``, which the agents SDK may call) are of this class too.
    """

    @cached_property
    def chat(self) -> AsyncChat:
        """Chat, its completions sending plain messages as given."""
        return _PlainMessagesChat(self)
