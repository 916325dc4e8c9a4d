"""The embedded default store: one SQLite file, created on first use."""
