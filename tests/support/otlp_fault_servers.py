"""Loopback OTLP backends that misbehave on purpose: HTTP status codes (500, 503, 429), gRPC
status codes, and slow answers. They count the requests they get (to prove the exporter's
retries are bounded) and keep the raw bodies of requests they accept (to search the wire).
Everything binds 127.0.0.1 and is stopped by ``close()``."""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc


def _span_count(body: bytes) -> int:
    message = trace_service_pb2.ExportTraceServiceRequest()
    message.ParseFromString(body)
    return sum(len(scope.spans) for resource in message.resource_spans for scope in resource.scope_spans)


class FaultyBackend:
    """Shared counters: requests seen, spans accepted, raw accepted bodies."""

    def __init__(self) -> None:
        self.requests = 0
        self.accepted_spans = 0
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def _seen(self, body: bytes | None, headers: dict[str, str], accepted: bool) -> None:
        with self._lock:
            self.requests += 1
            self.headers.append(headers)
            if accepted and body is not None:
                self.bodies.append(body)
                self.accepted_spans += _span_count(body)

    def wait_for_spans(self, count: int, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while self.accepted_spans < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.accepted_spans


class HttpFaultServer(FaultyBackend):
    """OTLP/HTTP on 127.0.0.1 answering ``status`` (after ``delay`` seconds); 200 = accept."""

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        super().__init__()
        backend = self
        self.status = status
        self.delay = delay

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                if backend.delay:
                    time.sleep(backend.delay)
                status = backend.status
                backend._seen(body, {k.lower(): v for k, v in self.headers.items()}, status == 200)
                reply = (
                    trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                    if status == 200
                    else b"{}"
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="otlp-fault-http", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class GrpcFaultServer(FaultyBackend):
    """OTLP/gRPC on 127.0.0.1 failing with ``code`` (a grpc.StatusCode name, or None to accept)
    after ``delay`` seconds."""

    def __init__(self, code: str | None = None, delay: float = 0.0) -> None:
        super().__init__()
        import grpc

        backend = self

        class Servicer(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC naming
                if delay:
                    time.sleep(delay)
                headers = {key.lower(): str(value) for key, value in context.invocation_metadata()}
                backend._seen(request.SerializeToString(), headers, code is None)
                if code is not None:
                    context.abort(getattr(grpc.StatusCode, code), f"test backend says {code}")
                return trace_service_pb2.ExportTraceServiceResponse()

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Servicer(), self._server)
        self.endpoint = f"http://127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        self._server.start()

    def close(self) -> None:
        self._server.stop(grace=None).wait(5)
