"""The error table through HTTP: model and store failures, and unexpected exceptions."""

from __future__ import annotations

import logging

import pytest
from dependency_injector import providers

from application.errors import (
    BadModelOutputError,
    GenerationError,
    InvalidLessonError,
    ModelRefusedError,
    OutputTruncatedError,
    ProviderRateLimitedError,
    ProviderRejectedSchemaError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    StoreUnavailableError,
)
from domain.generation import LessonConstraints
from tests.http.conftest import KEY, Api

GEN = "/v1/lessons/generate"


class FailingGatherer:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def route_for(self, constraints: LessonConstraints) -> object:
        from adapters.llm.offline import ROUTE

        return ROUTE

    async def gather(self, *args: object) -> object:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "code", "retry_after"),
    [
        (BadModelOutputError("bad"), 502, "bad_model_output", None),
        (ModelRefusedError("no"), 502, "model_refused", None),
        (OutputTruncatedError("cut"), 502, "output_truncated", None),
        (
            InvalidLessonError(
                "still invalid",
                (
                    {
                        "path": "/title",
                        "code": "value.empty",
                        "message": "m",
                        "rule_source": "schema",
                    },
                ),
            ),
            502,
            "invalid_after_repair",
            None,
        ),
        (ProviderRejectedSchemaError("openai.max_nesting"), 502, "provider_rejected_schema", None),
        (ProviderUnavailableError("down"), 503, "provider_unavailable", "5"),
        (ProviderRateLimitedError("slow down", 42.5), 503, "provider_rate_limited", "43"),
        (ProviderTimeoutError("late"), 504, "provider_timeout", None),
        (StoreUnavailableError("store down"), 503, "store_unavailable", "5"),
    ],
    ids=lambda v: (
        getattr(v, "code", None) if isinstance(v, GenerationError | StoreUnavailableError) else None
    ),
)
async def test_generation_failures_map_to_their_status(
    api: Api, error: Exception, status: int, code: str, retry_after: str | None
) -> None:
    with api.container.gatherer.override(providers.Object(FailingGatherer(error))):
        response = await api.client.post(GEN, json={"topic": "Tides"}, headers=KEY)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.headers.get("retry-after") == retry_after
    if isinstance(error, InvalidLessonError):
        assert response.json()["errors"][0]["code"] == "value.empty"
    assert await api.stored() == 0


async def test_an_unexpected_exception_is_a_generic_500_logged_once(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    secret_detail = "/srv/dgs/internal/path.py line 42 KeyError secret"
    with (
        api.container.gatherer.override(providers.Object(FailingGatherer(KeyError(secret_detail)))),
        caplog.at_level(logging.ERROR, logger="dgs.http"),
    ):
        response = await api.client.post(GEN, json={"topic": "Tides"}, headers=KEY)
    assert response.status_code == 500
    body = response.json()
    assert (body["code"], body["detail"]) == ("internal_error", "something went wrong on our side")
    assert secret_detail not in response.text
    errors = [r for r in caplog.records if r.name == "dgs.http"]
    assert len(errors) == 1
    assert body["request_id"] in errors[0].getMessage()
    assert await api.stored() == 0
