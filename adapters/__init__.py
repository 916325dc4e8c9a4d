"""Adapters: the ports implemented over frameworks, stores and model providers."""
