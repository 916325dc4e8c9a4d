"""What a verified Cognito token says about its user (no verification here: see cognito.py).

An **id token** carries the user's attributes the app client may read (``email``,
``name``...) and, for a federated user, ``identities``: a list of the providers linked to
the user, each with its ``providerName`` (e.g. "Google"). An **access token** carries no
profile attributes: only ``sub``, ``username``, ``cognito:groups``, ``scope`` and
``client_id``; for a federated user the username is "{provider}_{provider's user id}"
(e.g. "google_1093...") and Cognito puts the user in the group "{pool id}_{provider name}".
(AWS Cognito developer guide: "Understanding user pool JSON web tokens".)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from application.principal import Principal

POOL_USER = "COGNITO"  # a user of the pool itself (Cognito's own name for this provider)
# Social providers by the prefix Cognito gives their users' usernames (lower-cased there).
_SOCIAL = {
    name.lower(): name for name in ("Google", "Facebook", "LoginWithAmazon", "SignInWithApple")
}


def principal_from_claims(
    claims: Mapping[str, Any], token_use: Literal["access", "id"], user_pool_id: str
) -> Principal:
    """The principal of verified claims (``sub`` already checked)."""
    return Principal.user(
        str(claims["sub"]),
        "access-token" if token_use == "access" else "id-token",
        email=_text(claims.get("email")),
        name=_text(claims.get("name")),
        identity_provider=identity_provider(claims, user_pool_id),
    )


def identity_provider(claims: Mapping[str, Any], user_pool_id: str) -> str:
    """Where the user signed in.

    The primary linked identity (id tokens), else the "{pool id}_{provider}" group, else
    the username's social-provider prefix, else the pool itself (``COGNITO``).
    """
    if (linked := _primary_identity(claims.get("identities"))) is not None:
        return linked
    groups = claims.get("cognito:groups")
    prefix = f"{user_pool_id}_"
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, str) and group.startswith(prefix) and len(group) > len(prefix):
            return group[len(prefix) :]
    username = claims.get("username", claims.get("cognito:username"))
    if isinstance(username, str) and "_" in username:
        social = _SOCIAL.get(username.split("_", 1)[0].lower())
        if social is not None:
            return social
    return POOL_USER


def _primary_identity(identities: Any) -> str | None:
    if isinstance(identities, str):  # some integrations pass it JSON-encoded
        try:
            identities = json.loads(identities)
        except ValueError:
            return None
    if not isinstance(identities, list):
        return None
    linked = [i for i in identities if isinstance(i, dict) and _text(i.get("providerName"))]
    primary = [i for i in linked if str(i.get("primary", "")).lower() == "true"]
    chosen = primary or linked
    return str(chosen[0]["providerName"]) if chosen else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
