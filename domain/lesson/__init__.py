"""Pydantic models of the full-form lesson document, one module per catalog version."""
