"""Is a Docker engine answering? Asked with a plain socket, before any Docker SDK call."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse


def docker_unavailable_reason() -> str | None:
    """None when an engine accepts connections; otherwise why not, for a skip message."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    target = urlparse(host)
    try:
        if target.scheme == "unix":
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(0.5)
                probe.connect(target.path)
        elif target.scheme == "tcp" and target.hostname and target.port:
            with socket.create_connection((target.hostname, target.port), timeout=0.5):
                pass
        else:
            return f"DOCKER_HOST={host} is not a unix or tcp address"
    except OSError as exc:
        return f"no Docker engine answers at {host} ({exc.strerror or exc})"
    return None
