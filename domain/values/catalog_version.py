"""The catalog version of a lesson: which ones DGS serves, and the one used when none is named."""

from __future__ import annotations

from typing import Final, Literal, TypeGuard, get_args

# Each is a pinned ``domain/catalog/widgets-<version>.md``; the newest is the default.
CatalogVersion = Literal["1.0", "1.1"]
CATALOG_VERSIONS: Final[tuple[CatalogVersion, ...]] = get_args(CatalogVersion)
DEFAULT_CATALOG_VERSION: Final[CatalogVersion] = "1.1"


def is_catalog_version(value: object) -> TypeGuard[CatalogVersion]:
    """Whether ``value`` names a catalog version DGS serves."""
    return value in CATALOG_VERSIONS


def unsupported(value: object) -> str:
    """What is said of a catalog version DGS does not serve."""
    return f"unsupported schema_version {value!r}; supported: {', '.join(CATALOG_VERSIONS)}"


def catalog_version(value: str | None) -> CatalogVersion:
    """``value`` as a served catalog version, the default when None; else ValueError."""
    if value is None:
        return DEFAULT_CATALOG_VERSION
    if not is_catalog_version(value):
        raise ValueError(unsupported(value))
    return value
