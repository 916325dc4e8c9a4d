"""An API with several callers on either store: the dev key (the dev tenant) and bearer
users of a moto Cognito pool (``USER#{sub}`` each), for the ownership tests (issue 14)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import use_test_credentials
from tests.http.auth_api import TokenApi, bearer, open_token_api
from tests.http.conftest import DEV_KEY
from tests.http.wire_calls import HeaderValue
from tests.support.cognito import Pool, claims_of
from tests.support.dynamo_proxy import DynamoProxy

Headers = dict[str, HeaderValue]


@dataclass
class Callers:
    """The API and each caller's credentials, by name; ``owners`` maps names to owner ids."""

    api: TokenApi
    headers: dict[str, Headers]
    owners: dict[str, str]


def store_settings(store: str, moto_proxy: DynamoProxy | None) -> dict[str, str]:
    """The settings selecting ``store``: the SQLite file, or a new table on moto's server."""
    if store == "sqlite":
        return {}
    assert moto_proxy is not None
    return {
        "DGS_STORAGE": "dynamodb",
        "DGS_DYNAMODB_ENDPOINT_URL": moto_proxy.url,
        "DGS_DYNAMODB_TABLE": f"dgs-{uuid.uuid4().hex[:12]}",
        "DGS_CURSOR_SECRET": "ownership-cursor-secret-000001",
    }


async def open_callers(
    tmp_path: Path,
    pool: Pool,
    store: str,
    moto_proxy: DynamoProxy | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
    users: int = 2,
    **settings: str,
) -> Callers:
    """The app in ``both`` mode on ``store``: "dev" (the key) and users "u0", "u1", ..."""
    values = {
        **pool.settings(mode="both"),
        **store_settings(store, moto_proxy),
        "DGS_DAILY_GENERATION_BUDGET": "1000000",
        "DGS_RATE_LIMIT_PER_HOUR": "100000",
        **settings,
    }
    api = open_token_api(tmp_path, values, dev_key=True)
    if store != "sqlite":
        from adapters.dynamodb.schema import create_table

        assert monkeypatch is not None, "DynamoDB needs the test credentials set"
        use_test_credentials(monkeypatch)
        await create_table(api.container.stores.table())
    headers: dict[str, Headers] = {"dev": {"X-DGS-Dev-Key": DEV_KEY}}
    owners = {"dev": "TENANT#default"}
    for n in range(users):
        access = pool.user().access
        headers[f"u{n}"] = bearer(access)
        owners[f"u{n}"] = f"USER#{claims_of(access)['sub']}"
    return Callers(api, headers, owners)
