"""The HTTP edge: Litestar handlers, msgspec wire schemas, security middleware, problem+json."""
