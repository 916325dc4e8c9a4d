"""Composition roots: settings, the container, the HTTP app, the Lambda handler, the CLI."""
