"""Where setting values come from: the environment, a .env file, AWS secret stores.

Each check here reports problems as text that names the variable (and, for the .env
file, the line), so ``load_settings`` can report every problem at once.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DOTENV_VARIABLE = "DGS_DOTENV_FILE"
ENV_PREFIX = "DGS_"
# A secret setting NAME may instead be read from the store a suffix names.
SECRET_SUFFIXES: Mapping[str, Literal["secretsmanager", "ssm"]] = {
    "_SECRET_ARN": "secretsmanager",
    "_PARAMETER": "ssm",
}
# arn:partition:secretsmanager:region:account:secret:name-suffix
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources
_SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+")
# A parameter name (letters, digits, . - _ /), or its ARN:
# https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html
_PARAMETER = re.compile(r"(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter)?[\w./-]{1,2048}")


class SourceError(ValueError):
    """A source cannot be read at all (a missing or malformed .env file)."""


@dataclass(frozen=True, slots=True)
class Environment:
    """The variables in effect, and for those read from the .env file, ``path:line``."""

    values: Mapping[str, str]
    origins: Mapping[str, str]


def process_environment(dotenv: Path | None = None) -> Environment:
    """The process environment over the .env file (``DGS_DOTENV_FILE``, else ./.env)."""
    named = os.environ.get(DOTENV_VARIABLE)
    path = dotenv or Path(named or ".env")
    if not path.is_file():
        if named or dotenv:  # a file asked for by name must exist; ./.env is optional
            raise SourceError(f"{DOTENV_VARIABLE}: no such file: {path}")
        return Environment(dict(os.environ), {})
    lines = read_dotenv_lines(path)
    origins = {name: f"{path}:{number}" for name, (_, number) in lines.items()}
    values = {name: value for name, (value, _) in lines.items()}
    for name in os.environ.keys() & origins.keys():
        del origins[name]  # the environment wins
    return Environment({**values, **os.environ}, origins)


def read_dotenv(path: Path) -> dict[str, str]:
    """The ``NAME=value`` lines of a .env file."""
    return {name: value for name, (value, _) in read_dotenv_lines(path).items()}


def read_dotenv_lines(path: Path) -> dict[str, tuple[str, int]]:
    """``NAME=value`` lines (``#`` comments, optional quotes and ``export``) with line numbers."""
    values: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, sep, value = text.removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.isidentifier():
            raise SourceError(f"{path}:{number}: expected NAME=value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = (value, number)
    return values


def unknown_names(environment: Environment, known: Collection[str]) -> Iterator[str]:
    """A problem for each ``DGS_*`` variable that is no setting, with the closest name."""
    for name in sorted(environment.values):
        if not name.startswith(ENV_PREFIX) or name in known:
            continue
        where = f"{environment.origins[name]}: " if name in environment.origins else ""
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else " (.env.example lists them all)"
        yield f"{where}{name}: not a DGS setting{hint}"


@dataclass(frozen=True, slots=True)
class SecretReference:
    """A secret setting to read from a store: which setting names it, and where."""

    setting: str  # e.g. DGS_DEV_KEY_SECRET_ARN
    service: Literal["secretsmanager", "ssm"]
    reference: str  # the secret's ARN, or the parameter's name or ARN


def secret_references(
    values: Mapping[str, str], secret_names: Collection[str]
) -> tuple[dict[str, SecretReference], list[str]]:
    """Secret settings given by reference (by the secret's setting name), and problems."""
    references: dict[str, SecretReference] = {}
    problems: list[str] = []
    for name in secret_names:
        given = [n for n in (name, *(name + s for s in SECRET_SUFFIXES)) if values.get(n)]
        if len(given) > 1:
            problems.append(f"{name}: set only one of {', '.join(given)}")
            continue
        if not given or given[0] == name:
            continue
        setting = given[0]
        service = SECRET_SUFFIXES[setting.removeprefix(name)]
        reference = values[setting].strip()
        if service == "secretsmanager" and not _SECRET_ARN.fullmatch(reference):
            problems.append(
                f"{setting}: not a Secrets Manager ARN "
                "(arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX)"
            )
        elif service == "ssm" and not _PARAMETER.fullmatch(reference):
            problems.append(f"{setting}: not an SSM parameter name or ARN")
        else:
            references[name] = SecretReference(setting, service, reference)
    return references, problems


def read_references(
    references: Mapping[str, SecretReference], region: str
) -> tuple[dict[str, str], list[str]]:
    """Each referenced secret's value (by its setting name), and the ones that failed."""
    # Imported only here: boto3 and botocore load only when a setting names a secret.
    from adapters.aws_secrets import SecretReadError, read_secret

    values: dict[str, str] = {}
    problems: list[str] = []
    for name, ref in references.items():
        try:
            values[name] = read_secret(ref.service, ref.reference, region)
        except SecretReadError as exc:
            problems.append(f"{ref.setting}: cannot read {ref.reference}: {exc}")
    return values, problems
