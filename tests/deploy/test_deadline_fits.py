"""The SAM template's function timeout and the generation deadline agree with the settings."""

from __future__ import annotations

from entrypoints.settings import load_settings
from tests.deploy.test_deploy_files import API, resource


def test_the_template_tells_dgs_its_timeout_and_the_deadline_fits() -> None:
    function = resource("AWS::Serverless::Function", API)
    variables = function["Environment"]["Variables"]
    assert float(variables["DGS_DEPLOYMENT_TIMEOUT_SECONDS"]) == function["Timeout"]
    settings = load_settings(
        {
            name: variables[name]
            for name in ("DGS_GENERATION_DEADLINE_SECONDS", "DGS_DEPLOYMENT_TIMEOUT_SECONDS")
        }
    )  # raises if the deadline and its writes do not fit the timeout
    assert settings.generation_deadline_seconds < function["Timeout"]
