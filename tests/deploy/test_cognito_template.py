"""The SAM template's sign-in (issue 14): a Cognito pool with Google, DLE's public PKCE
client, the Hosted UI, and a function whose settings load as the template gives them:
tokens by default, the dev key off."""

from __future__ import annotations

from typing import Any

from entrypoints.settings import load_settings
from tests.deploy.test_deploy_files import API, WORKER, resource, statements, template

REGION = "eu-west-1"
SAMPLES = {"UserPool": f"{REGION}_AbCdEf123", "DleAppClient": "4d2p8sb1exampleclient0123",
           "LessonsTable": "dgs-table",
           "JobQueue": f"https://sqs.{REGION}.amazonaws.com/123456789012/dgs-jobs"}  # fmt: skip
SECRET_VALUE = "a-secret-read-at-cold-start-0123"


def _evaluate(node: Any, parameters: dict[str, str], conditions: dict[str, Any]) -> Any:
    """A condition or value of the template, resolved for these parameter values."""
    if not isinstance(node, dict):
        return node
    ((function, argument),) = node.items()
    if function == "Ref":
        return parameters.get(argument, SAMPLES.get(argument, "NO_VALUE"))
    if function == "Condition":
        return _evaluate(conditions[argument], parameters, conditions)
    values = [_evaluate(a, parameters, conditions) for a in argument]
    if function == "Fn::Equals":
        return values[0] == values[1]
    if function == "Fn::Not":
        return not values[0]
    if function == "Fn::And":
        return all(values)
    if function == "Fn::If":
        chosen = _evaluate(conditions[argument[0]], parameters, conditions)
        return values[1] if chosen else values[2]
    raise AssertionError(f"not modelled: {function}")


def function_environment(function: str = API, **given: str) -> dict[str, str]:
    """A function's variables for these parameter values (defaults for the rest)."""
    document = template()
    parameters = {n: str(p.get("Default", "")) for n, p in document["Parameters"].items()}
    parameters.update(given)
    variables = resource("AWS::Serverless::Function", function)["Environment"]["Variables"]
    resolved = {n: _evaluate(v, parameters, document["Conditions"]) for n, v in variables.items()}
    return {n: str(v) for n, v in resolved.items() if v != "NO_VALUE"}


def settings_as_deployed(function: str = API, **given: str) -> tuple[dict[str, str], Any]:
    """A function's variables, and the settings they load (secret references read as
    values; Lambda sets AWS_REGION itself)."""
    environment = function_environment(function, **given)
    values = {"AWS_REGION": REGION}
    for name, value in environment.items():
        read = name.removesuffix("_SECRET_ARN").removesuffix("_PARAMETER")
        values[read] = SECRET_VALUE if read != name else value
    return environment, load_settings(values)


def test_tokens_by_default_and_no_dev_key() -> None:
    environment, settings = settings_as_deployed()
    assert (settings.auth_mode, settings.dev_key) == ("cognito", None)
    assert (settings.cognito_user_pool_id, settings.cognito_app_client_id) == (
        SAMPLES["UserPool"], SAMPLES["DleAppClient"],
    )  # fmt: skip
    assert settings.cognito_token_use == "access"
    assert not {n for n in environment if n.startswith("DGS_DEV_KEY")}
    assert "AWS_REGION" not in environment  # reserved: Lambda sets it (the issuer's region)
    parameter = template()["Parameters"]["AuthMode"]
    assert parameter["Default"] == "cognito"
    assert "dev-key" not in parameter["AllowedValues"]  # never the shared key alone on AWS


def test_both_mode_reads_the_dev_key_by_reference() -> None:
    for store, suffix in (("secretsmanager", "_SECRET_ARN"), ("ssm", "_PARAMETER")):
        reference = (
            "/dgs/dev-key"
            if store == "ssm"
            else "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dk"
        )
        environment, settings = settings_as_deployed(
            AuthMode="both", DevKeySecret=reference, SecretStore=store
        )
        assert environment[f"DGS_DEV_KEY{suffix}"] == reference
        assert settings.auth_mode == "both"
        assert settings.dev_key is not None


def test_the_dev_key_is_granted_only_when_used() -> None:
    found = statements()
    (secret,) = [r for r in found["ReadOwnSecrets"]["Resource"] if "DevKeySecret" in str(r)]
    (parameter,) = [r for r in found["ReadOwnParameters"]["Resource"] if "DevKeySecret" in str(r)]
    for grant in (secret, parameter):
        assert grant["Fn::If"][0] == "UsesDevKey"
        assert grant["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    rules = template()["Rules"]
    assert {r["RuleCondition"]["Fn::Equals"][1] for r in rules.values()} == {"cognito", "both"}


def test_dle_is_a_public_client_using_the_code_flow_with_google() -> None:
    client = resource("AWS::Cognito::UserPoolClient")
    assert client["GenerateSecret"] is False  # a static web app cannot keep a secret: PKCE
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]  # no implicit flow
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert client["SupportedIdentityProviders"] == ["Google"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]  # no password flows
    assert client["CallbackURLs"] == {"Ref": "CallbackUrls"}
    assert client["LogoutURLs"] == {"Ref": "LogoutUrls"}
    assert client["UserPoolId"] == {"Ref": "UserPool"}
    (name,) = [
        n for n, r in template()["Resources"].items() if r["Type"] == "AWS::Cognito::UserPoolClient"
    ]
    assert template()["Resources"][name]["DependsOn"] == "GoogleIdentityProvider"
    parameters = template()["Parameters"]
    assert (
        parameters["CallbackUrls"]["Type"]
        == parameters["LogoutUrls"]["Type"]
        == "CommaDelimitedList"
    )


def test_google_signs_users_in_with_its_credentials_as_noecho_parameters() -> None:
    provider = resource("AWS::Cognito::UserPoolIdentityProvider")
    assert (provider["ProviderName"], provider["ProviderType"]) == ("Google", "Google")
    details = provider["ProviderDetails"]
    assert details["client_id"] == {"Ref": "GoogleClientId"}
    assert details["client_secret"] == {"Ref": "GoogleClientSecret"}
    assert set(details["authorize_scopes"].split()) == {"openid", "email", "profile"}
    parameters = template()["Parameters"]
    for name in ("GoogleClientId", "GoogleClientSecret"):
        assert parameters[name]["NoEcho"] is True
        assert "Default" not in parameters[name]
    for function in (API, WORKER):
        assert "GoogleClientSecret" not in str(resource("AWS::Serverless::Function", function))
    # only Cognito holds it


def test_the_hosted_ui_and_the_pool() -> None:
    domain = resource("AWS::Cognito::UserPoolDomain")
    assert domain == {"Domain": {"Ref": "HostedUiDomainPrefix"}, "UserPoolId": {"Ref": "UserPool"}}
    pool = resource("AWS::Cognito::UserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    (name,) = [
        n for n, r in template()["Resources"].items() if r["Type"] == "AWS::Cognito::UserPool"
    ]
    assert template()["Resources"][name]["DeletionPolicy"] == "Retain"
    outputs = template()["Outputs"]
    assert {"UserPoolId", "AppClientId", "HostedUiUrl", "GoogleRedirectUri", "TokenIssuer"} <= set(
        outputs
    )
    assert outputs["GoogleRedirectUri"]["Value"]["Fn::Sub"].endswith("/oauth2/idpresponse")
