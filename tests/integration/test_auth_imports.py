"""PyJWT, cryptography and the JWKS client load only in the modes that verify tokens: a
Lambda in dev-key mode starts as fast as before (checked in a fresh interpreter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_import_weight import loaded_after

pytestmark = pytest.mark.slow  # each test starts a fresh interpreter

TOKEN_LIBRARIES = ["jwt", "cryptography", "httpx2"]


def _lambda(settings: dict[str, str]) -> str:
    return (
        "import os\n"
        f"os.environ.update({settings!r})\n"
        "import entrypoints.lambda_handler as handler\n"
        "assert handler.app is not None"
    )


def test_a_dev_key_lambda_loads_no_token_library(tmp_path: Path) -> None:
    code = _lambda({"DGS_DEV_KEY": "a-dev-key-0123456789"})
    assert not set(TOKEN_LIBRARIES) & set(loaded_after(code, tmp_path))


def test_a_cognito_lambda_loads_them_at_its_cold_start(tmp_path: Path) -> None:
    code = _lambda({
        "DGS_AUTH_MODE": "cognito", "DGS_COGNITO_USER_POOL_ID": "us-east-1_AbCdEf123",
        "DGS_COGNITO_APP_CLIENT_ID": "client0123",
    })  # fmt: skip
    loaded = loaded_after(code, tmp_path)
    assert [m for m in TOKEN_LIBRARIES if m in loaded] == ["jwt", "cryptography"]
    assert "botocore" not in loaded  # no AWS SDK: the keys are fetched over plain HTTPS
