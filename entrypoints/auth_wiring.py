"""The token verifier the settings call for: none for the dev key, Cognito otherwise.

PyJWT, cryptography and the HTTP client load only here, so a process in ``dev-key``
mode (the default; local runs and tests) never imports them.
"""

from __future__ import annotations

from application.ports.clock import Clock
from application.ports.identity import TokenVerifier
from entrypoints.settings import Settings, SettingsError


def token_verifier(settings: Settings, clock: Clock) -> TokenVerifier | None:
    """The verifier of bearer tokens, or ``None`` when DGS_AUTH_MODE=dev-key."""
    if settings.auth_mode == "dev-key":
        return None
    if settings.cognito_user_pool_id is None or settings.cognito_app_client_id is None:
        raise SettingsError(  # the settings refuse this already; kept for direct callers
            f"DGS_COGNITO_USER_POOL_ID, DGS_COGNITO_APP_CLIENT_ID: required when "
            f"DGS_AUTH_MODE={settings.auth_mode}"
        )
    from adapters.auth.cognito import CognitoConfig, CognitoTokenVerifier
    from adapters.auth.jwks import JwksCache

    config = CognitoConfig(
        region=settings.aws_region,
        user_pool_id=settings.cognito_user_pool_id,
        client_id=settings.cognito_app_client_id,
        token_use=settings.cognito_token_use,
        jwks_url=settings.cognito_jwks_url,
    )
    return CognitoTokenVerifier(config, JwksCache(config.keys_url, clock), clock)
