"""Secret values read from AWS Secrets Manager or SSM Parameter Store, once per process.

Used at start-up (a Lambda cold start, ``dgs serve``, a CLI command) when a setting names
a secret instead of holding it, so keys never sit in plaintext environment variables.
boto3 is synchronous, which suits a one-off read before any event loop runs; this module
is imported only when such a setting is present (botocore costs ~0.3 s to import).
Endpoints follow the SDK's own variables (``AWS_ENDPOINT_URL_SECRETS_MANAGER``,
``AWS_ENDPOINT_URL_SSM``), which is how tests point them at moto on 127.0.0.1.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

Service = Literal["secretsmanager", "ssm"]

# Bounded: a start-up must fail within seconds when the service does not answer.
_CLIENT_CONFIG = Config(
    connect_timeout=3, read_timeout=5, retries={"mode": "standard", "max_attempts": 2}
)


class SecretReadError(Exception):
    """A secret could not be read; the message says why and never holds a value."""


def arn_region(arn: str) -> str | None:
    """The region of an ARN (``arn:partition:service:region:account:...``), if it has one."""
    parts = arn.split(":", 5)
    return (parts[3] or None) if len(parts) == 6 and parts[0] == "arn" else None


@functools.cache
def read_secret(service: Service, reference: str, region: str) -> str:
    """The secret's value: a Secrets Manager secret (ARN) or an SSM parameter (name or ARN).

    Cached for the life of the process: a warm Lambda or a running server reads each
    secret once. Rotation takes effect at the next start (a new execution environment).
    """
    client = _client(service, arn_region(reference) or region)
    try:
        if service == "secretsmanager":
            # GetSecretValue: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
            answer = client.get_secret_value(SecretId=reference)
            value = answer.get("SecretString")
        else:
            # GetParameter decrypts a SecureString when WithDecryption is true:
            # https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
            answer = client.get_parameter(Name=reference, WithDecryption=True)
            value = answer["Parameter"].get("Value")
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SecretReadError(f"{error.get('Code', 'error')}: {error.get('Message', '')}") from exc
    except BotoCoreError as exc:  # no credentials, endpoint unreachable, timeouts
        raise SecretReadError(str(exc)) from exc
    if not isinstance(value, str) or not value:
        raise SecretReadError("it holds no text value (store the setting as a plain string)")
    return value


@functools.cache
def _client(service: Service, region: str) -> Any:
    return boto3.session.Session().client(service, region_name=region, config=_CLIENT_CONFIG)
