"""The HTTP edge takes its use cases through Litestar's DI: one ``Provide`` per use case."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.di import Provide
from litestar.exceptions import ImproperlyConfiguredException

from adapters.http.app import create_app
from adapters.http.config import HttpConfig
from adapters.http.edge import EdgeConfig
from entrypoints.container import build_container
from entrypoints.http_app import use_cases
from entrypoints.settings import Settings

EDGE = EdgeConfig(dev_key="k" * 32)
USE_CASES = (
    "generation", "estimator", "getter", "lister", "patcher", "readiness",
    "deleter", "account_of", "exporter", "eraser",
    "job_starter", "job_getter", "job_lister", "job_canceler", "cursors", "job_events_timing",
)  # fmt: skip


def test_the_container_provides_one_use_case_per_handler_parameter(tmp_path: Path) -> None:
    container = build_container(Settings(sqlite_path=tmp_path / "dgs.sqlite3"))
    provided = use_cases(container)
    assert set(provided) == set(USE_CASES)
    assert all(isinstance(p, Provide) for p in provided.values())
    create_app(provided, HttpConfig(), EDGE)  # every handler's dependency is there


@pytest.mark.parametrize("missing", USE_CASES)
def test_an_app_missing_a_use_case_is_not_built(tmp_path: Path, missing: str) -> None:
    container = build_container(Settings(sqlite_path=tmp_path / "dgs.sqlite3"))
    provided = {k: v for k, v in use_cases(container).items() if k != missing}
    with pytest.raises(ImproperlyConfiguredException, match=f"'{missing}'"):
        create_app(provided, HttpConfig(), EDGE)
