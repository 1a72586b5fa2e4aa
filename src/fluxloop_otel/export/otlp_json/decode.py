"""One OTLP/JSON traces document -> :class:`SpanView` objects.

Follows the OTLP/JSON encoding (opentelemetry-proto ``docs/specification.md``): field
names in lowerCamelCase (snake_case is accepted too, as protobuf's JSON parser does),
trace and span ids as hex strings (base64 is accepted as well), 64-bit integers as
decimal strings or numbers, enums as integers or their names, unknown fields ignored.

Every problem is reported with where it is (``resourceSpans[0].scopeSpans[1].spans[7]``)
and what is wrong; one malformed span never hides the valid spans beside it.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from fluxloop_otel.export.fluxloop.records import STATUS_ERROR, STATUS_OK, STATUS_UNSET, SpanEvent, SpanView

_STATUS_BY_CODE = {0: STATUS_UNSET, 1: STATUS_OK, 2: STATUS_ERROR}
_STATUS_BY_NAME = {"STATUS_CODE_UNSET": STATUS_UNSET, "STATUS_CODE_OK": STATUS_OK, "STATUS_CODE_ERROR": STATUS_ERROR}
_HAS_IS_REMOTE, _IS_REMOTE = 0x100, 0x200
_MAX_UINT64 = (1 << 64) - 1
_SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_MAX_DEPTH = 32
_HEX = re.compile(r"[0-9a-fA-F]+")
_INTEGER = re.compile(r"-?[0-9]{1,20}")


class MalformedSpan(ValueError):
    """A span (or the whole document) that cannot be read; ``where`` locates it in the document."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


@dataclass
class DecodedSpan:
    """A span read from OTLP/JSON and the ``service.name`` of its resource."""

    view: SpanView
    service: str | None


def _field(obj: Mapping[str, Any], camel: str, snake: str) -> Any:
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def _objects(container: Mapping[str, Any], camel: str, snake: str, where: str) -> list[Any]:
    value = _field(container, camel, snake)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedSpan(where, f"{camel} must be a list, got {type(value).__name__}")
    return value


def _mapping(value: Any, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise MalformedSpan(where, f"{what} must be an object, got {type(value).__name__}")
    return value


def decode_id(value: Any, size: int, what: str, where: str, required: bool = True) -> int | None:
    """A trace id (``size`` 16) or span id (``size`` 8) from hex (or base64) text."""
    if value is None or value == "":
        if required:
            raise MalformedSpan(where, f"{what} is missing")
        return None
    if not isinstance(value, str):
        raise MalformedSpan(where, f"{what} must be a string, got {type(value).__name__}")
    if len(value) == 2 * size:
        if not _HEX.fullmatch(value):
            raise MalformedSpan(where, f"{what} {value[:40]!r} is not hexadecimal")
        number = int(value, 16)
    else:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != size:
            raise MalformedSpan(where, f"{what} {value[:40]!r} is not {2 * size} hex digits")
        number = int.from_bytes(raw, "big")
    if number == 0:
        if required:
            raise MalformedSpan(where, f"{what} is all zeros (invalid)")
        return None
    return number


def _integer(text: str, what: str, where: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise MalformedSpan(where, f"{what} {text[:40]!r} is not a decimal integer")
    return int(text)


def _uint64(value: Any, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise MalformedSpan(where, f"{what} must be an integer or a decimal string, got {type(value).__name__}")
    number = value if isinstance(value, int) else _integer(value, what, where)
    if not 0 <= number <= _MAX_UINT64:
        raise MalformedSpan(where, f"{what} {number} is out of range")
    return number


def _any_value(value: Any, where: str, depth: int = 0) -> Any:
    """An OTLP ``AnyValue`` as a Python value (arrays as tuples, like SDK attributes); None if empty."""
    if depth > _MAX_DEPTH:
        raise MalformedSpan(where, "value nested too deeply")
    value = _mapping(value, where, "value")
    if "stringValue" in value or "string_value" in value:
        text = _field(value, "stringValue", "string_value")
        if not isinstance(text, str):
            raise MalformedSpan(where, f"stringValue must be a string, got {type(text).__name__}")
        return text
    if "intValue" in value or "int_value" in value:
        raw = _field(value, "intValue", "int_value")
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise MalformedSpan(where, f"intValue must be an integer, got {type(raw).__name__}")
        return raw if isinstance(raw, int) else _integer(raw, "intValue", where)
    if "doubleValue" in value or "double_value" in value:
        raw = _field(value, "doubleValue", "double_value")
        if isinstance(raw, str) and raw in _SPECIAL_DOUBLES:
            return _SPECIAL_DOUBLES[raw]
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise MalformedSpan(where, f"doubleValue must be a number, got {type(raw).__name__}")
        return float(raw)
    if "boolValue" in value or "bool_value" in value:
        raw = _field(value, "boolValue", "bool_value")
        if not isinstance(raw, bool):
            raise MalformedSpan(where, f"boolValue must be true or false, got {type(raw).__name__}")
        return raw
    if "arrayValue" in value or "array_value" in value:
        array = _mapping(_field(value, "arrayValue", "array_value"), where, "arrayValue")
        items = _objects(array, "values", "values", where)
        return tuple(_any_value(item, f"{where}[{index}]", depth + 1) for index, item in enumerate(items))
    if "kvlistValue" in value or "kvlist_value" in value:
        kvlist = _mapping(_field(value, "kvlistValue", "kvlist_value"), where, "kvlistValue")
        return _key_values(_objects(kvlist, "values", "values", where), where, depth + 1)
    if "bytesValue" in value or "bytes_value" in value:
        raw = _field(value, "bytesValue", "bytes_value")
        if not isinstance(raw, str):
            raise MalformedSpan(where, f"bytesValue must be base64 text, got {type(raw).__name__}")
        return raw
    return None


def _key_values(items: list[Any], where: str, depth: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for index, item in enumerate(items):
        item = _mapping(item, f"{where}[{index}]", "attribute")
        key = item.get("key")
        if not isinstance(key, str):
            raise MalformedSpan(f"{where}[{index}]", f"attribute key must be a string, got {type(key).__name__}")
        decoded = _any_value(item.get("value", {}), f"{where}[{index}] ({key})", depth)
        if decoded is not None:
            result[key] = decoded
    return result


def _attributes(container: Mapping[str, Any], where: str) -> dict[str, Any]:
    return _key_values(_objects(container, "attributes", "attributes", where), f"{where}.attributes")


def _status(span: Mapping[str, Any], where: str) -> tuple[str, str | None]:
    status = span.get("status")
    if status is None:
        return STATUS_UNSET, None
    status = _mapping(status, where, "status")
    code = status.get("code", 0)
    if isinstance(code, str) and code in _STATUS_BY_NAME:
        name = _STATUS_BY_NAME[code]
    elif isinstance(code, int) and not isinstance(code, bool) and code in _STATUS_BY_CODE:
        name = _STATUS_BY_CODE[code]
    else:
        raise MalformedSpan(where, f"status.code {str(code)[:40]!r} is not 0, 1 or 2")
    message = status.get("message")
    if message is not None and not isinstance(message, str):
        raise MalformedSpan(where, f"status.message must be a string, got {type(message).__name__}")
    return name, message or None


def _events(span: Mapping[str, Any], where: str) -> list[SpanEvent]:
    events = []
    for index, event in enumerate(_objects(span, "events", "events", where)):
        at = f"{where}.events[{index}]"
        event = _mapping(event, at, "event")
        name = event.get("name", "")
        if not isinstance(name, str):
            raise MalformedSpan(at, f"name must be a string, got {type(name).__name__}")
        events.append(SpanEvent(name, _attributes(event, at)))
    return events


def decode_span(span: Any, where: str) -> SpanView:
    """One OTLP/JSON ``Span`` object as a :class:`SpanView`; :class:`MalformedSpan` if it cannot be read."""
    span = _mapping(span, where, "span")
    trace_id = decode_id(_field(span, "traceId", "trace_id"), 16, "traceId", where)
    span_id = decode_id(_field(span, "spanId", "span_id"), 8, "spanId", where)
    parent = decode_id(_field(span, "parentSpanId", "parent_span_id"), 8, "parentSpanId", where, required=False)
    name = span.get("name", "")
    if not isinstance(name, str):
        raise MalformedSpan(where, f"name must be a string, got {type(name).__name__}")
    start_raw = _field(span, "startTimeUnixNano", "start_time_unix_nano")
    if start_raw is None:
        raise MalformedSpan(where, "startTimeUnixNano is missing")
    start = _uint64(start_raw, "startTimeUnixNano", where)
    end_raw = _field(span, "endTimeUnixNano", "end_time_unix_nano")
    end = _uint64(end_raw, "endTimeUnixNano", where) if end_raw is not None else 0
    flags = span.get("flags", 0)
    if isinstance(flags, bool) or not isinstance(flags, int):
        raise MalformedSpan(where, f"flags must be an integer, got {type(flags).__name__}")
    status_code, status_message = _status(span, where)
    return SpanView(
        trace_id=trace_id,  # type: ignore[arg-type]  # required ids are never None
        span_id=span_id,  # type: ignore[arg-type]
        parent_span_id=parent,
        parent_is_remote=parent is not None and flags & (_HAS_IS_REMOTE | _IS_REMOTE) == _HAS_IS_REMOTE | _IS_REMOTE,
        name=name,
        start_time_ns=start,
        end_time_ns=end or start,
        attributes=_attributes(span, where),
        status_code=status_code,
        status_message=status_message,
        events=_events(span, where),
    )


def decode_document(document: Any) -> Iterator[DecodedSpan | MalformedSpan]:
    """The spans of one ``TracesData`` document, in order; malformed parts are yielded as
    :class:`MalformedSpan` in their place and reading goes on with the next span."""
    if not isinstance(document, dict):
        yield MalformedSpan("", f"expected a JSON object with resourceSpans, got {type(document).__name__}")
        return
    try:
        resources = _objects(document, "resourceSpans", "resource_spans", "")
    except MalformedSpan as problem:
        yield problem
        return
    for r_index, resource_spans in enumerate(resources):
        r_where = f"resourceSpans[{r_index}]"
        try:
            resource_spans = _mapping(resource_spans, r_where, "resourceSpans item")
            resource = _mapping(resource_spans.get("resource", {}), f"{r_where}.resource", "resource")
            service = _attributes(resource, f"{r_where}.resource").get("service.name")
            scopes = _objects(resource_spans, "scopeSpans", "scope_spans", r_where)
        except MalformedSpan as problem:
            yield problem
            continue
        for s_index, scope_spans in enumerate(scopes):
            s_where = f"{r_where}.scopeSpans[{s_index}]"
            try:
                spans = _objects(_mapping(scope_spans, s_where, "scopeSpans item"), "spans", "spans", s_where)
            except MalformedSpan as problem:
                yield problem
                continue
            for index, span in enumerate(spans):
                try:
                    view = decode_span(span, f"{s_where}.spans[{index}]")
                except MalformedSpan as problem:
                    yield problem
                    continue
                yield DecodedSpan(view, service if isinstance(service, str) else None)
