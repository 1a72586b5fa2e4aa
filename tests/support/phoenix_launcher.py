"""Run ``phoenix serve`` with its OTLP/gRPC listener on loopback.

Phoenix binds its gRPC receiver to ``[::]`` whatever ``PHOENIX_HOST`` says; only the HTTP
server honours it. This launcher runs in Phoenix's own virtual environment and replaces
the ``grpc.aio.server`` factory Phoenix calls with one whose servers rewrite every
listening address to ``PHOENIX_HOST`` (default 127.0.0.1), keeping the port.
Usage: ``<phoenix venv>/bin/python phoenix_launcher.py`` with the ``PHOENIX_*`` variables set.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import grpc.aio

HOST = os.environ.get("PHOENIX_HOST", "127.0.0.1")
_new_server = grpc.aio.server


def _loopback(address: str) -> str:
    return f"{HOST}:{address.rsplit(':', 1)[-1]}"


def loopback_server(*args: Any, **kwargs: Any) -> Any:
    """A ``grpc.aio`` server that can only listen on ``HOST``."""
    server = _new_server(*args, **kwargs)
    add_insecure, add_secure = server.add_insecure_port, server.add_secure_port
    server.add_insecure_port = lambda address: add_insecure(_loopback(address))
    server.add_secure_port = lambda address, credentials: add_secure(_loopback(address), credentials)
    return server


grpc.aio.server = loopback_server

if __name__ == "__main__":
    from phoenix.server.main import main

    sys.argv = ["phoenix", "serve"]
    main()
