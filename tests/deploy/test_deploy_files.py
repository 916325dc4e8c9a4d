"""The deployment files agree with the code: SAM template, compose.yaml, Dockerfile.

These machines have no Docker engine, so compose and the image are checked for their
structure here; ``docker compose config`` and ``docker build`` run where Docker exists.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from cfnlint.decode import decode

from adapters.dynamodb.schema import TTL_ATTRIBUTE
from deploy.build_lambda import BOTOCORE_KEEP
from entrypoints.setting_sources import read_dotenv
from entrypoints.settings import _ENV_NAMES, SECRET_FIELDS, known_names

ROOT = Path(__file__).parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"
SETTING_NAMES = set(_ENV_NAMES.values())
SECRET_NAMES = {_ENV_NAMES[field] for field in SECRET_FIELDS}


def template() -> dict[str, Any]:
    decoded, problems = decode(str(TEMPLATE))
    assert not problems, problems
    assert decoded is not None
    return dict(decoded)


API = "ApiFunction"
WORKER = "WorkerFunction"


def resource(kind: str, name: str | None = None) -> dict[str, Any]:
    """The properties of the one resource of ``kind`` (or of ``name``, of that kind)."""
    resources = template()["Resources"]
    (found,) = [r for n, r in resources.items() if r["Type"] == kind and name in (None, n)]
    return dict(found["Properties"])


@pytest.mark.slow  # cfn-lint loads every resource spec
def test_the_sam_template_passes_cfn_lint() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"  # the console script beside this Python
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_function_matches_the_code_and_settings() -> None:
    function = resource("AWS::Serverless::Function", API)
    module, _, attribute = function["Handler"].rpartition(".")
    source = ROOT / (module.replace(".", "/") + ".py")
    names = {
        t.id
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    assert attribute in names, f"{function['Handler']} is not defined"
    version = re.fullmatch(r"python3\.(\d+)", function["Runtime"])
    assert version is not None
    assert int(version[1]) >= 12  # 3.11 is past its deprecation
    variables = set(function["Environment"]["Variables"])
    assert variables <= known_names(), variables - known_names()
    assert "FunctionUrlConfig" in function
    assert "Cors" not in function["FunctionUrlConfig"]  # CORS lives in the app, one layer only
    assert function["Timeout"] > 150  # longer than the generation deadline


def test_the_table_and_its_policy_are_the_adapters_and_no_more() -> None:
    table = resource("AWS::DynamoDB::Table")
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert table["BillingMode"] == "PROVISIONED"
    statement = statements()["LessonTableItems"]
    actions = set(statement["Action"])
    assert "dynamodb:Scan" not in actions
    assert not any(a.endswith("*") for a in actions)
    assert actions == {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "dynamodb:Query", "dynamodb:ConditionCheckItem",
    }  # fmt: skip
    assert statement["Resource"] == {"Fn::GetAtt": ["LessonsTable", "Arn"]}


def statements(function: str = API) -> dict[str, Any]:
    """A function's policy statements by Sid (a conditional one as its 'true' branch)."""
    (policy,) = resource("AWS::Serverless::Function", function)["Policies"]
    found = {}
    for statement in policy["Statement"]:
        if "Fn::If" in statement:
            _, statement, otherwise = statement["Fn::If"]
            assert otherwise == {"Ref": "AWS::NoValue"}
        found[statement["Sid"]] = statement
    return found


def test_no_secret_is_a_plaintext_environment_variable() -> None:
    """Keys reach the function by reference, read at cold start (issue 10)."""
    variables = resource("AWS::Serverless::Function", API)["Environment"]["Variables"]
    assert not SECRET_NAMES & set(variables)
    for name in ("DGS_DEV_KEY", "DGS_CURSOR_SECRET", "GEMINI_API_KEY", "OPENROUTER_API_KEY"):
        arn, parameter = variables[f"{name}_SECRET_ARN"], variables[f"{name}_PARAMETER"]
        # exactly one of the two is set, by the SecretStore parameter
        assert arn["Fn::If"][2] == parameter["Fn::If"][2] == {"Ref": "AWS::NoValue"}
        assert arn["Fn::If"][1] == parameter["Fn::If"][1]
    parameters = template()["Parameters"]
    assert all(not p.get("Default") for n, p in parameters.items() if n.endswith("Secret"))
    assert not {"DevKey", "CursorSecret", "GeminiApiKey", "OpenRouterApiKey"} & set(parameters)


def test_the_function_may_read_exactly_its_secrets() -> None:
    found = statements()
    secrets, parameters = found["ReadOwnSecrets"], found["ReadOwnParameters"]
    assert secrets["Action"] == "secretsmanager:GetSecretValue"
    assert parameters["Action"] == "ssm:GetParameter"
    referenced = {
        "DevKeySecret",
        "CursorSecretSecret",
        "GeminiApiKeySecret",
        "OpenRouterApiKeySecret",
    }
    named = set()
    for reference in secrets["Resource"]:
        if "Fn::If" in reference:  # an optional key: granted only when given
            _, reference, otherwise = reference["Fn::If"]
            assert otherwise == {"Ref": "AWS::NoValue"}
        named.add(reference["Ref"])
    assert named == referenced
    arns = json.dumps(parameters["Resource"])
    assert "*" not in json.dumps(secrets["Resource"]) + arns
    for name in referenced:
        assert f":parameter${{{name}}}" in arns
    decrypt = found["DecryptSecretsThroughTheirService"]
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Resource"] == {"Ref": "SecretsKmsKeyArn"}
    assert "kms:ViaService" in decrypt["Condition"]["StringEquals"]
    kms_statement = next(
        s for s in resource("AWS::Serverless::Function", API)["Policies"][0]["Statement"]
        if "Fn::If" in s and s["Fn::If"][1]["Sid"] == "DecryptSecretsThroughTheirService"
    )  # fmt: skip
    assert kms_statement["Fn::If"][0] == "HasKmsKey"  # only with a customer managed key


def test_the_lambda_package_keeps_the_services_the_function_calls() -> None:
    from adapters.aws_secrets import Service

    assert {"dynamodb", *get_args(Service)} <= BOTOCORE_KEEP


def test_compose_wires_dgs_to_dynamodb_local() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"dynamodb", "store-init", "dgs"}
    assert services["dynamodb"]["image"].startswith("amazon/dynamodb-local")
    assert "healthcheck" in services["dynamodb"]
    assert services["store-init"]["command"] == ["dgs", "store", "init"]
    assert services["store-init"]["depends_on"]["dynamodb"]["condition"] == "service_healthy"
    assert (
        services["dgs"]["depends_on"]["store-init"]["condition"] == "service_completed_successfully"
    )
    assert "healthcheck" in services["dgs"]
    assert "dynamodb-data" in compose["volumes"]
    environment = services["dgs"]["environment"]
    assert environment["DGS_DYNAMODB_ENDPOINT_URL"] == "http://dynamodb:8000"
    assert set(environment) - {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= SETTING_NAMES


def test_compose_passes_the_dotenv_file_through() -> None:
    """Provider keys and limits set in .env reach DGS; compose pins only its own wiring."""
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    pinned = {"DGS_STORAGE", "DGS_DYNAMODB_ENDPOINT_URL", "DGS_DYNAMODB_TABLE", "AWS_REGION",
              "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DGS_CURSOR_SECRET"}  # fmt: skip
    for name in ("store-init", "dgs"):
        # optional (required: false), so `docker compose up` works without a .env
        assert services[name]["env_file"] == [{"path": ".env", "required": False}]
        assert set(services[name]["environment"]) == pinned
    # so nothing a user sets in .env (keys, limits, models, the dev key) is overridden
    assert not (set(read_dotenv(ROOT / ".env.example")) - pinned) & set(
        services["dgs"]["environment"]
    )


def test_env_example_points_at_the_dynamodb_local_compose_publishes() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    (published,) = services["dynamodb"]["ports"]
    host, port, _ = published.split(":")
    example = (ROOT / ".env.example").read_text()
    urls = re.findall(r"http://127\.0\.0\.1:(\d+) for DynamoDB Local", example)
    assert urls == [port], urls
    assert host == "127.0.0.1"


def test_the_image_is_slim_non_root_and_checks_its_health() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "-slim" in dockerfile
    assert "--no-dev" in dockerfile
    assert "UV_COMPILE_BYTECODE=1" in dockerfile
    assert re.search(r"^USER dgs$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile
    assert "/health" in dockerfile
    assert 'CMD ["dgs", "serve", "--host", "0.0.0.0"' in dockerfile
