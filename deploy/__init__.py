"""Deployment: the Lambda package builder (the SAM template, Dockerfile and events live beside it)."""
