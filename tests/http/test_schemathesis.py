"""schemathesis against the app's own OpenAPI: no server error, responses as documented.

The app is built once for the module (SQLite in a temporary folder, offline provider).
"""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from dependency_injector import providers
from hypothesis import HealthCheck, settings

from adapters.llm.offline import OfflineGatherer, OfflineRepairer, OfflineStructurer
from entrypoints.container import build_container
from entrypoints.http_app import build_app
from entrypoints.settings import load_settings
from tests.http.conftest import DEV_KEY, api_settings

pytestmark = pytest.mark.slow  # schemathesis walks every operation of the OpenAPI document

_DATA = Path(tempfile.mkdtemp(prefix="dgs-schemathesis-"))
_container = build_container(
    load_settings(
        api_settings(_DATA, DGS_RATE_LIMIT_PER_HOUR="100000", DGS_DAILY_GENERATION_BUDGET="1000000")
    )
)
_container.gatherer.override(providers.Object(OfflineGatherer()))
_container.structurer.override(providers.Object(OfflineStructurer()))
_container.repairer.override(providers.Object(OfflineRepairer()))
schema = schemathesis.openapi.from_asgi("/docs/openapi.json", build_app(_container))


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_openapi(case: Any) -> None:
    case.call_and_validate()  # the key: schemathesis.toml [auth.openapi.devKey]


def test_schemathesis_sends_the_key_of_these_tests() -> None:
    config = tomllib.loads((Path(__file__).parents[2] / "schemathesis.toml").read_text())
    assert config["auth"]["openapi"]["devKey"]["api_key"] == DEV_KEY
