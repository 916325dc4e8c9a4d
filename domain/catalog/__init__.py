"""Widget catalogs: the pinned widgets.md files and the registry built from them."""
