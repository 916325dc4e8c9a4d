"""Use cases and the ports they need; no framework, SDK or wire code."""
