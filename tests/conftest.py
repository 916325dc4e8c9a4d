"""Fixtures shared by every test package (moto's server for DynamoDB, Cognito and SQS; test
credentials) and the rule that places each test in ``make unit`` or only ``make test``."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from tests.support.cognito import CognitoIdp, Pool, new_rsa_key
from tests.support.dynamo_proxy import DynamoProxy
from tests.support.loopback import LoopbackServer
from tests.support.scripted_openai import ScriptedOpenAI
from tests.support.sqs import SqsQueues
from tests.support.token_attacks import Arsenal, arm

PROVIDER_KEYS = ("GEMINI_API_KEY", "OPENROUTER_API_KEY", "OPENAI_API_KEY")
TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


# Where this interpreter and the environment's commands (dgs, cfn-lint...) live.
PYTHON_BIN = Path(sys.executable).parent

# A test using one of these fixtures (or a fixture that uses one) is ``slow``: moto's server
# (DynamoDB, Cognito, SQS) and the shared fixtures that start the scripted model server.
SLOW_FIXTURES = frozenset({"moto_server", "scripted_model", "compatible_row"})

# A property test asking for this many examples or more is a long run (``slow``).
LONG_PROPERTY_RUN = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` what ``make unit`` leaves out (``make test`` and CI run everything).

    ``make unit`` runs the tests that need nothing but this process. By rule, so a new test
    is placed without a list to keep: anything using a fixture of ``SLOW_FIXTURES`` or
    parametrised over a DynamoDB store, and long property runs. A test that starts a test
    server or a process itself carries the marker (on the test or its module):
    ``slow_work_is_marked`` fails one that does not, so none slips into the fast tier.
    """
    for item in items:
        if _slow(item):
            item.add_marker(pytest.mark.slow)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With ``-m "not slow"`` (``make unit``) a module marked slow as a whole is not even
    imported: its tests would all be deselected, and importing it (its libraries, pytest's
    assertion rewriting) cost seconds of every fast run."""
    if config.option.markexpr.split() == ["not", "slow"] and _slow_module(collection_path):
        return True
    return None  # let pytest decide


def _slow_module(path: Path) -> bool:
    """Whether the test module at ``path`` sets ``pytestmark`` to ``pytest.mark.slow`` (alone
    or in a list)."""
    if path.suffix != ".py" or not path.name.startswith("test_"):
        return False
    source = path.read_text(encoding="utf-8")
    if "pytest.mark.slow" not in source:
        return False
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            marks = (
                node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
            )
            return any(ast.unparse(mark) == "pytest.mark.slow" for mark in marks)
    return False


def _slow(item: pytest.Item) -> bool:
    if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):  # fixtures' fixtures too
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    if any(isinstance(value, str) and value.startswith("dynamodb") for value in params.values()):
        return True
    settings = getattr(getattr(item, "obj", None), "_hypothesis_internal_use_settings", None)
    return settings is not None and settings.max_examples >= LONG_PROPERTY_RUN


@pytest.fixture
def scripted_model() -> Iterator[ScriptedOpenAI]:
    """The scripted OpenAI-compatible server on 127.0.0.1 (script its replies per test)."""
    scripted = ScriptedOpenAI()
    scripted.start()
    yield scripted
    scripted.stop()


@pytest.fixture(autouse=True)
def slow_work_is_marked(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """A test without the ``slow`` marker that starts a test server or a Python process
    fails, naming what it started.

    Test servers (the scripted model server, the JWKS relay: every ``LoopbackServer``) drive
    real clients over HTTP, and a Python process (this interpreter, ``dgs`` or another of
    the environment's commands) costs ~0.3-1 s before it does anything: both belong with the
    slow tests, and no collection rule can see them coming. Other commands are let be:
    libraries run some (the platform module runs ``uname -p`` once for openai's headers).
    """
    if request.node.get_closest_marker("slow") is not None:
        yield
        return
    started: list[str] = []
    execute_child = subprocess.Popen._execute_child  # type: ignore[attr-defined]
    serve = LoopbackServer.start

    def recorded(popen: subprocess.Popen[Any], args: Any, *rest: Any) -> None:
        if _program(args).parent == PYTHON_BIN:
            started.append(f"the process {args}")
        execute_child(popen, args, *rest)

    def served(server: LoopbackServer) -> None:
        started.append(f"a test server, {type(server).__name__}")
        serve(server)

    # Every way to start a process (run, Popen, asyncio's subprocesses) goes through here.
    monkeypatch.setattr(subprocess.Popen, "_execute_child", recorded)
    monkeypatch.setattr(LoopbackServer, "start", served)
    yield
    if started:
        pytest.fail(
            f"this test started {started[0]}: mark it `@pytest.mark.slow` "
            "(or its module: `pytestmark = pytest.mark.slow`)",
            pytrace=False,
        )


def _program(args: Any) -> Path:
    """The program ``subprocess.Popen(args)`` starts: a command line's first word."""
    if isinstance(args, str | bytes | os.PathLike):
        return Path(os.fsdecode(args).split(" ", 1)[0])
    return Path(os.fsdecode(next(iter(args), "")))


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
