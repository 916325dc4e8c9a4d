"""Use cases: one class each, depending on ports only."""
