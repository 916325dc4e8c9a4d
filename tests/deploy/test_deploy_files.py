"""The deployment files agree with the code: SAM template, compose.yaml, Dockerfile.

These machines have no Docker engine, so compose and the image are checked for their
structure here; ``docker compose config`` and ``docker build`` run where Docker exists.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from cfnlint.decode import decode

from adapters.dynamodb.schema import TTL_ATTRIBUTE
from entrypoints.settings import _ENV_NAMES

ROOT = Path(__file__).parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"
SETTING_NAMES = set(_ENV_NAMES.values())


def template() -> dict[str, Any]:
    decoded, problems = decode(str(TEMPLATE))
    assert not problems, problems
    assert decoded is not None
    return dict(decoded)


def resource(kind: str) -> dict[str, Any]:
    (found,) = [r for r in template()["Resources"].values() if r["Type"] == kind]
    return dict(found["Properties"])


def test_the_sam_template_passes_cfn_lint() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"  # the console script beside this Python
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_function_matches_the_code_and_settings() -> None:
    function = resource("AWS::Serverless::Function")
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
    assert variables <= SETTING_NAMES, variables - SETTING_NAMES
    assert "FunctionUrlConfig" in function
    assert "Cors" not in function["FunctionUrlConfig"]  # CORS lives in the app, one layer only
    assert function["Timeout"] > 150  # longer than the generation deadline


def test_the_table_and_its_policy_are_the_adapters_and_no_more() -> None:
    table = resource("AWS::DynamoDB::Table")
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert table["BillingMode"] == "PROVISIONED"
    (statement,) = resource("AWS::Serverless::Function")["Policies"][0]["Statement"]
    actions = set(statement["Action"])
    assert "dynamodb:Scan" not in actions
    assert not any(a.endswith("*") for a in actions)
    assert actions == {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "dynamodb:Query", "dynamodb:ConditionCheckItem",
    }  # fmt: skip
    assert statement["Resource"] == {"Fn::GetAtt": ["LessonsTable", "Arn"]}


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


def test_the_image_is_slim_non_root_and_checks_its_health() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "-slim" in dockerfile
    assert "--no-dev" in dockerfile
    assert "UV_COMPILE_BYTECODE=1" in dockerfile
    assert re.search(r"^USER dgs$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile
    assert "/health" in dockerfile
    assert 'CMD ["dgs", "serve", "--host", "0.0.0.0"' in dockerfile
