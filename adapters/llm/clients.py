"""One OpenAI-compatible client per provider, made on first use and reused."""

from __future__ import annotations

from typing import Any

import httpx2  # the HTTP library this openai SDK is built on
from agents import OpenAIChatCompletionsModel, set_tracing_disabled
from openai import DEFAULT_CONNECTION_LIMITS, AsyncOpenAI

from adapters.llm.config import PROFILES, LlmSettings
from adapters.llm.connections import pooled_transport
from adapters.llm.observe import ObservingTransport
from adapters.llm.plain_requests import PlainRequestsOpenAI
from application.errors import ProviderUnavailableError
from application.ports.generation import ModelRoute


class ProviderClients:
    """Clients and models for the providers the routes name."""

    def __init__(self, settings: LlmSettings) -> None:
        self._settings = settings
        self._clients: dict[str, AsyncOpenAI] = {}
        # Tracing is off unless asked for: no exporter, so no delay at exit without a key.
        set_tracing_disabled(not settings.tracing)

    def model(self, route: ModelRoute) -> OpenAIChatCompletionsModel:
        """The agents model object for a route."""
        return OpenAIChatCompletionsModel(
            model=route.model, openai_client=self._client(route.provider)
        )

    def client(self, provider: str) -> AsyncOpenAI:
        """The OpenAI-compatible client of a provider (made on first use)."""
        return self._client(provider)

    def extra_body(self, provider: str) -> dict[str, Any]:
        """Provider-specific request fields (e.g. OpenRouter's provider routing)."""
        return dict(PROFILES[provider].extra_body)

    def reasoning_in_output(self, provider: str) -> bool:
        """Whether the provider counts reasoning tokens inside output tokens."""
        return PROFILES[provider].reasoning_in_output

    def _client(self, provider: str) -> AsyncOpenAI:
        client = self._clients.get(provider)
        if client is not None:
            return client
        profile = PROFILES[provider]
        base_url = (
            self._settings.compatible_base_url if provider == "compatible" else profile.base_url
        )
        if base_url is None:
            raise ProviderUnavailableError("DGS_COMPATIBLE_BASE_URL is not set")
        key = self._settings.key_of(profile)
        if key is None and provider != "compatible":
            raise ProviderUnavailableError(f"{profile.key_variable} is not set")
        timeout = httpx2.Timeout(
            self._settings.call_timeout, connect=self._settings.connect_timeout
        )
        # The openai SDK's own connection limits (its default client's): httpx's default
        # keeps 20 connections alive of 100, so a burst of generations would queue for a
        # connection (drawing on their deadlines) and reconnect on every step.
        transport = pooled_transport(DEFAULT_CONNECTION_LIMITS)
        http_client = httpx2.AsyncClient(timeout=timeout, transport=ObservingTransport(transport))
        client = PlainRequestsOpenAI(
            base_url=base_url,
            api_key=key or "none",  # local servers (Ollama, vLLM) often need no key
            max_retries=0,  # retries live in adapters.llm.step, and only there
            timeout=timeout,
            http_client=http_client,
        )
        self._clients[provider] = client
        return client

    async def close(self) -> None:
        """Close every client."""
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
