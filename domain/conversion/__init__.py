"""Conversions of valid lessons: shorthand <-> full form, and between catalog versions."""
