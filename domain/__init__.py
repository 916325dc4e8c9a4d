"""The domain: what a DLE lesson is, decided in pure code."""
