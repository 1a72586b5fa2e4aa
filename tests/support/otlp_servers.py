"""Loopback OTLP servers for tests and benchmarks: a receiving sink (HTTP and gRPC), a server
that accepts connections and never answers, and a port nobody listens on.

The sinks speak real OTLP (protobuf ``ExportTraceServiceRequest``, and on HTTP
``ExportLogsServiceRequest`` at ``/v1/logs``; gzip/deflate bodies, the official gRPC service)
and keep what they received, so a test can read back what the
official exporters sent. Everything binds 127.0.0.1 and is stopped by ``close()``.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue


def any_value(value: AnyValue) -> Any:
    """A protobuf AnyValue as a Python value (arrays as lists)."""
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {item.key: any_value(item.value) for item in value.kvlist_value.values}
    return getattr(value, kind) if kind else None


@dataclass
class ReceivedSpan:
    """One span as a receiver saw it."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: int
    attributes: dict[str, Any]
    resource: dict[str, Any]
    status_code: int
    status_message: str


@dataclass
class Request:
    """One export request: transport details and its spans."""

    path: str
    headers: dict[str, str]
    spans: list[ReceivedSpan] = field(default_factory=list)
    #: The request body as received (protobuf, decompressed).
    body: bytes = b""


@dataclass
class ReceivedLog:
    """One log record as a receiver saw it (GenAI events are log records with an event name)."""

    event_name: str
    attributes: dict[str, Any]
    trace_id: str
    span_id: str
    body: Any


def _logs(message: Any) -> list[ReceivedLog]:
    records = []
    for resource_logs in message.resource_logs:
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                records.append(
                    ReceivedLog(
                        event_name=record.event_name,
                        attributes={item.key: any_value(item.value) for item in record.attributes},
                        trace_id=record.trace_id.hex(),
                        span_id=record.span_id.hex(),
                        body=any_value(record.body) if record.HasField("body") else None,
                    )
                )
    return records


def _spans(message: trace_service_pb2.ExportTraceServiceRequest) -> list[ReceivedSpan]:
    spans = []
    for resource_spans in message.resource_spans:
        resource = {item.key: any_value(item.value) for item in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        name=span.name,
                        kind=span.kind,
                        attributes={item.key: any_value(item.value) for item in span.attributes},
                        resource=resource,
                        status_code=span.status.code,
                        status_message=span.status.message,
                    )
                )
    return spans


class _Received:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.logs: list[ReceivedLog] = []
        self.log_bodies: list[bytes] = []
        self._changed = threading.Condition()

    def add_logs(self, body: bytes, records: list[ReceivedLog]) -> None:
        with self._changed:
            self.log_bodies.append(body)
            self.logs.extend(records)
            self._changed.notify_all()

    def wait_for_logs(self, count: int, timeout: float = 10.0) -> list[ReceivedLog]:
        """The log records received once there are at least ``count`` (fewer after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.logs) < count and (remaining := deadline - time.monotonic()) > 0:
                self._changed.wait(remaining)
            return list(self.logs)

    def add(self, request: Request) -> None:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

    def spans(self) -> list[ReceivedSpan]:
        with self._changed:
            return [span for request in self.requests for span in request.spans]

    def wait_for_spans(self, count: int, timeout: float = 10.0) -> list[ReceivedSpan]:
        """The spans received once there are at least ``count`` (fewer after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(len(r.spans) for r in self.requests) < count and (remaining := deadline - time.monotonic()) > 0:
                self._changed.wait(remaining)
        return self.spans()


class OtlpHttpSink(_Received):
    """An OTLP/HTTP (protobuf) receiver on 127.0.0.1 (a free port unless ``port``); ``endpoint`` is its base URL."""

    def __init__(self, port: int = 0) -> None:
        super().__init__()
        sink = self
        #: ``ExportMetricsServiceRequest`` messages received on ``/v1/metrics``.
        self.metric_requests: list[Any] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                if self.path.endswith("/v1/metrics"):  # kept apart: the GenAI client metrics
                    metrics = metrics_service_pb2.ExportMetricsServiceRequest()
                    metrics.ParseFromString(body)
                    sink.metric_requests.append(metrics)
                    reply = metrics_service_pb2.ExportMetricsServiceResponse().SerializeToString()
                elif self.path.endswith("/v1/logs"):  # log records (GenAI events)
                    logs = logs_service_pb2.ExportLogsServiceRequest()
                    logs.ParseFromString(body)
                    sink.add_logs(body, _logs(logs))
                    reply = logs_service_pb2.ExportLogsServiceResponse().SerializeToString()
                else:
                    message = trace_service_pb2.ExportTraceServiceRequest()
                    message.ParseFromString(body)
                    sink.add(Request(self.path, {k.lower(): v for k, v in self.headers.items()}, _spans(message), body))
                    reply = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def do_GET(self) -> None:  # noqa: N802 - ``GET /count``: spans received so far
                body = str(len(sink.spans())).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="otlp-http-sink", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class OtlpGrpcSink(_Received):
    """An OTLP/gRPC receiver on 127.0.0.1; ``endpoint`` is ``http://127.0.0.1:PORT``."""

    def __init__(self) -> None:
        super().__init__()
        import grpc

        sink = self

        class Servicer(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC naming
                headers = {key.lower(): value for key, value in context.invocation_metadata()}
                sink.add(Request("TraceService/Export", headers, _spans(request)))
                return trace_service_pb2.ExportTraceServiceResponse()

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Servicer(), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server.start()

    def close(self) -> None:
        self._server.stop(grace=None).wait(5)


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers (a hanging backend)."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.settimeout(0.2)
        self.port = self._socket.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for connection in self.connections:
            connection.close()
        self._socket.close()


def refused_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_port() -> int:
    """A loopback port that is free right now."""
    return refused_port()


if __name__ == "__main__":  # a sink in its own process (benchmarks): prints its port, stops on SIGTERM
    import signal
    import sys

    process_sink = OtlpHttpSink()
    print(process_sink.port, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT}) if hasattr(signal, "sigwait") else sys.stdin.read()
    process_sink.close()
