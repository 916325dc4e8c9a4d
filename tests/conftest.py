"""Fixtures shared by every test package: moto's server (DynamoDB, Cognito, SQS) and test
credentials."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from tests.support.cognito import CognitoIdp, Pool, new_rsa_key
from tests.support.dynamo_proxy import DynamoProxy
from tests.support.sqs import SqsQueues
from tests.support.token_attacks import Arsenal, arm

PROVIDER_KEYS = ("GEMINI_API_KEY", "OPENROUTER_API_KEY", "OPENAI_API_KEY")
TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


# A property test asking for this many examples or more is a long run (``slow``).
LONG_PROPERTY_RUN = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` what ``make unit`` leaves out (``make test`` and CI run everything).

    By rule, so a new test is placed without a list to keep: anything on moto's server
    (DynamoDB, Cognito) or parametrised over a DynamoDB store, and long property runs.
    Modules that start real servers or browsers carry ``pytestmark = pytest.mark.slow``.
    """
    for item in items:
        if _slow(item):
            item.add_marker(pytest.mark.slow)


def _slow(item: pytest.Item) -> bool:
    if "moto_proxy" in getattr(item, "fixturenames", ()):  # includes fixtures' fixtures
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    if any(isinstance(value, str) and value.startswith("dynamodb") for value in params.values()):
        return True
    settings = getattr(getattr(item, "obj", None), "_hypothesis_internal_use_settings", None)
    return settings is not None and settings.max_examples >= LONG_PROPERTY_RUN


@pytest.fixture(autouse=True)
def isolated_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests never read a developer's .env or real provider keys, nor reach a real provider."""
    empty = tmp_path_factory.getbasetemp() / "empty.env"  # DGS_DOTENV_FILE must name a file
    empty.touch()
    monkeypatch.setenv("DGS_DOTENV_FILE", str(empty))
    for name in list(os.environ):
        dgs_setting = name.startswith("DGS_") and name != "DGS_DOTENV_FILE"
        if dgs_setting or name in PROVIDER_KEYS or name.endswith(("_SECRET_ARN", "_PARAMETER")):
            monkeypatch.delenv(name)


def use_test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Placeholder AWS credentials: DynamoDB tests only ever talk to 127.0.0.1."""
    for name, value in TEST_CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[tuple[str, int]]:
    """moto's server on 127.0.0.1 (port 0), one for the session: it serves every service
    it mocks (DynamoDB, Cognito, SQS...) over real HTTP. Yields (host, port)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server.get_host_and_port()
    server.stop()


@pytest.fixture(scope="session")
def moto_proxy(moto_server: tuple[str, int]) -> Iterator[DynamoProxy]:
    """moto's DynamoDB, behind a recording, fault-injecting proxy."""
    proxy = DynamoProxy(moto_server)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def sqs(moto_server: tuple[str, int], monkeypatch: pytest.MonkeyPatch) -> SqsQueues:
    """moto's SQS: each test makes its own queues (test credentials set)."""
    use_test_credentials(monkeypatch)
    host, port = moto_server
    return SqsQueues(f"http://{host}:{port}")


@pytest.fixture(scope="session")
def cognito_idp(moto_proxy: DynamoProxy) -> CognitoIdp:
    """moto's Cognito IdP, on the same moto server as DynamoDB (it serves every service)."""
    host, port = moto_proxy.upstream
    return CognitoIdp(f"http://{host}:{port}")


@pytest.fixture
def cognito_pool(cognito_idp: CognitoIdp) -> Pool:
    """A fresh user pool and app client (pools share nothing, so tests do not either)."""
    return cognito_idp.pool()


@pytest.fixture(scope="session")
def armed(cognito_idp: CognitoIdp) -> Iterator[Arsenal]:
    """Pools, users and keys for the token attacks, made once (RSA keys and sign-ins are slow)."""
    arsenal = arm(
        cognito_idp,
        {"trusted": new_rsa_key(), "weak": new_rsa_key(1024), "attacker": new_rsa_key()},
    )
    arsenal.relay.start()
    yield arsenal
    arsenal.relay.stop()


@pytest.fixture
def arsenal(armed: Arsenal) -> Arsenal:
    """The session's arsenal, its JWKS relay up and serving the published keys."""
    armed.relay.reset()
    return armed
