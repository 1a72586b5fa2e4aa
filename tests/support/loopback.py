"""A plain HTTP server on a loopback port, for the httpx calls the tests trace.

:class:`EchoServer` answers every ``GET`` with JSON (the path, and a weather report for the
city named by the last path segment) and keeps each request's headers (to check what
propagators sent). Binds 127.0.0.1, stopped by :meth:`EchoServer.close`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def send_json(handler: BaseHTTPRequestHandler, payload: Any, status: int = 200) -> None:
    """Answer ``payload`` as a JSON body."""
    body = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class EchoServer:
    """See the module docstring; ``url`` is its base URL."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                owner.headers.append({k.lower(): v for k, v in self.headers.items()})
                send_json(self, {"path": self.path, "city": self.path.rsplit("/", 1)[-1], "forecast": "sunny"})

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="echo-server", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
