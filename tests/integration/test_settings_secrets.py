"""Secrets read at start from Secrets Manager and SSM Parameter Store (moto's server).

The settings name a secret (``*_SECRET_ARN``) or a parameter (``*_PARAMETER``) instead of
holding its value; the value is read once per process, over real HTTP to 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from entrypoints.settings import SettingsError, load_settings
from tests.conftest import TEST_CREDENTIALS, use_test_credentials
from tests.support.dynamo_proxy import DynamoProxy

DEV_KEY = "dev-key-from-secrets-manager-0001"
GEMINI_KEY = "gemini-key-from-parameter-store"


@pytest.fixture
def aws(moto_proxy: DynamoProxy, monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoProxy]:
    """moto (through the recording proxy) as the Secrets Manager and SSM endpoints."""
    use_test_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_proxy.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto_proxy.url)
    moto_proxy.reset()
    yield moto_proxy
    moto_proxy.reset()


def put_secret(endpoint: str, value: str) -> str:
    client = boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=endpoint)
    arn: str = client.create_secret(Name=f"dgs/{uuid.uuid4().hex}", SecretString=value)["ARN"]
    return arn


def put_parameter(endpoint: str, value: str) -> str:
    client = boto3.client("ssm", region_name="us-east-1", endpoint_url=endpoint)
    name = f"/dgs/{uuid.uuid4().hex}"
    client.put_parameter(Name=name, Value=value, Type="SecureString")
    return name


def test_secrets_are_read_from_secrets_manager_and_parameter_store_once(aws: DynamoProxy) -> None:
    arn = put_secret(aws.url, DEV_KEY)
    parameter = put_parameter(aws.url, GEMINI_KEY)
    aws.reset()
    environ = {"DGS_DEV_KEY_SECRET_ARN": arn, "GEMINI_API_KEY_PARAMETER": parameter}
    settings = load_settings(environ)
    assert settings.dev_key is not None
    assert settings.dev_key.get_secret_value() == DEV_KEY
    assert settings.gemini_api_key is not None
    assert settings.gemini_api_key.get_secret_value() == GEMINI_KEY
    assert sorted(aws.operations()) == ["GetParameter", "GetSecretValue"]
    (request,) = [r for r in aws.requests if r.operation == "GetParameter"]
    assert request.body == {"Name": parameter, "WithDecryption": True}
    # cached for the process: a second load (another worker start, a CLI call) reads nothing
    assert load_settings(environ) == settings
    assert len(aws.operations()) == 2


def test_a_secret_still_passes_the_settings_rules(aws: DynamoProxy) -> None:
    arn = put_secret(aws.url, "short")
    with pytest.raises(
        SettingsError, match=r"DGS_DEV_KEY .from DGS_DEV_KEY_SECRET_ARN.: .*at least 16"
    ):
        load_settings({"DGS_DEV_KEY_SECRET_ARN": arn})


def test_a_missing_secret_names_the_setting_and_never_its_value(aws: DynamoProxy) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dgs/none-AbCdEf"
    with pytest.raises(
        SettingsError, match=r"DGS_DEV_KEY_SECRET_ARN: cannot read .*ResourceNotFoundException"
    ):
        load_settings({"DGS_DEV_KEY_SECRET_ARN": arn})
    with pytest.raises(
        SettingsError, match=r"OPENAI_API_KEY_PARAMETER: cannot read /dgs/none: ParameterNotFound"
    ):
        load_settings({"OPENAI_API_KEY_PARAMETER": "/dgs/none"})


def test_a_secret_store_that_does_not_answer_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    use_test_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9")  # nothing listens
    with pytest.raises(SettingsError, match=r"DGS_CURSOR_SECRET_PARAMETER: cannot read /dgs/c"):
        load_settings({"DGS_CURSOR_SECRET_PARAMETER": "/dgs/c"})


def test_the_dev_key_from_secrets_manager_serves_the_api(aws: DynamoProxy, tmp_path: Path) -> None:
    """The Lambda handler's module, as on a cold start: the key comes from the secret."""
    arn = put_secret(aws.url, DEV_KEY)
    code = (
        "import json\n"
        "from entrypoints.lambda_handler import handler\n"
        "event = json.load(open('deploy/events/list.json'))\n"
        f"event['headers']['x-dgs-dev-key'] = {DEV_KEY!r}\n"
        "print(handler(event, None)['statusCode'])\n"
    )
    env = {**TEST_CREDENTIALS, "PATH": "", "DGS_DOTENV_FILE": str(tmp_path / "none.env"),
           "DGS_SQLITE_PATH": str(tmp_path / "dgs.sqlite3"), "DGS_DEV_KEY_SECRET_ARN": arn,
           "AWS_ENDPOINT_URL_SECRETS_MANAGER": aws.url}  # fmt: skip
    (tmp_path / "none.env").write_text("", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env,
        cwd=Path(__file__).parents[2], check=False,
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1:] == ["200"], result.stderr
    assert DEV_KEY not in result.stdout + result.stderr
