"""Identity adapters: Cognito token verification (loaded only when DGS_AUTH_MODE needs it)."""
