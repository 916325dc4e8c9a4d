"""The widget registry: every supported catalog version, loaded once from widgets.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from domain.catalog.loader import parse_catalog
from domain.catalog.spec import Catalog
from domain.values.catalog_version import CATALOG_VERSIONS, DEFAULT_CATALOG_VERSION, unsupported

# The names this module has always exported (``domain.values.catalog_version`` owns them).
DEFAULT_VERSION: str = DEFAULT_CATALOG_VERSION
SUPPORTED_VERSIONS: tuple[str, ...] = CATALOG_VERSIONS


class UnsupportedVersionError(LookupError):
    """A catalog version DGS does not know."""

    def __init__(self, version: object) -> None:
        super().__init__(unsupported(version))
        self.version = version


@dataclass(frozen=True, slots=True)
class WidgetRegistry:
    """The catalogs of every supported version, keyed by ``schema_version``."""

    catalogs: Mapping[str, Catalog]
    default_version: str = DEFAULT_VERSION

    def catalog(self, version: str | None = None) -> Catalog:
        """The catalog of ``version`` (the default version when None)."""
        try:
            return self.catalogs[version or self.default_version]
        except KeyError:
            raise UnsupportedVersionError(version) from None

    @property
    def versions(self) -> tuple[str, ...]:
        """Supported versions, oldest first."""
        return tuple(self.catalogs)


def catalog_file_name(version: str) -> str:
    """The pinned widgets.md file of a version."""
    return f"widgets-{version}.md"


@cache
def get_registry() -> WidgetRegistry:
    """Load every pinned catalog once; later calls return the same registry."""
    package = resources.files("domain.catalog")
    catalogs = {}
    for version in SUPPORTED_VERSIONS:
        name = catalog_file_name(version)
        text = package.joinpath(name).read_text(encoding="utf-8")
        catalogs[version] = parse_catalog(text, name, version)
    return WidgetRegistry(catalogs)
