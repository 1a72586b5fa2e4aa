"""One OTLP/JSON traces document -> :class:`SpanView` objects.

Follows the OTLP/JSON encoding (opentelemetry-proto ``docs/specification.md``): field
names in lowerCamelCase (snake_case is accepted too, as protobuf's JSON parser does),
trace and span ids as hex strings (base64 is accepted as well), 64-bit integers as
decimal strings or numbers, enums as integers or their names, unknown fields ignored.

Every problem is reported with where it is (``resourceSpans[0].scopeSpans[1].spans[7]``)
and what is wrong; one malformed span never hides the valid spans beside it. Locations are
put together only on the error path: a problem raised deep inside gets its path prefixed
by each level it passes through.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from fluxloop_otel.export.fluxloop.records import STATUS_ERROR, STATUS_OK, STATUS_UNSET, SpanEvent, SpanView

_STATUS_BY_CODE = {0: STATUS_UNSET, 1: STATUS_OK, 2: STATUS_ERROR}
_STATUS_BY_NAME = {"STATUS_CODE_UNSET": STATUS_UNSET, "STATUS_CODE_OK": STATUS_OK, "STATUS_CODE_ERROR": STATUS_ERROR}
_REMOTE_PARENT = 0x100 | 0x200  # SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE | SPAN_FLAGS_CONTEXT_IS_REMOTE
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

    def under(self, prefix: str) -> "MalformedSpan":
        """The same problem, located under ``prefix`` (locations are relative: ``[3] (key)``, ``.events[0]``)."""
        return MalformedSpan(prefix + self.where, self.problem)


@dataclass
class DecodedSpan:
    """A span read from OTLP/JSON and the ``service.name`` of its resource."""

    view: SpanView
    service: str | None


def _type(value: Any) -> str:
    return type(value).__name__


def _field(obj: dict[str, Any], camel: str, snake: str) -> Any:
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def _list(container: dict[str, Any], camel: str, snake: str) -> list[Any]:
    value = _field(container, camel, snake)
    if value is None:
        return []
    if type(value) is not list:
        raise MalformedSpan("", f"{camel} must be a list, got {_type(value)}")
    return value


def _object(value: Any, what: str) -> dict[str, Any]:
    if type(value) is not dict:
        raise MalformedSpan("", f"{what} must be an object, got {_type(value)}")
    return value


def decode_id(value: Any, size: int, what: str, required: bool = True) -> int | None:
    """A trace id (``size`` 16) or span id (``size`` 8) from hex (or base64) text."""
    if value is None or value == "":
        if required:
            raise MalformedSpan("", f"{what} is missing")
        return None
    if type(value) is not str:
        raise MalformedSpan("", f"{what} must be a string, got {_type(value)}")
    if len(value) == 2 * size:
        if not _HEX.fullmatch(value):
            raise MalformedSpan("", f"{what} {value[:40]!r} is not hexadecimal")
        number = int(value, 16)
    else:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != size:
            raise MalformedSpan("", f"{what} {value[:40]!r} is not {2 * size} hex digits")
        number = int.from_bytes(raw, "big")
    if number == 0:
        if required:
            raise MalformedSpan("", f"{what} is all zeros (invalid)")
        return None
    return number


def _integer(text: str, what: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise MalformedSpan("", f"{what} {text[:40]!r} is not a decimal integer")
    return int(text)


def _uint64(value: Any, what: str) -> int:
    if type(value) is int:
        number = value
    elif type(value) is str:
        number = _integer(value, what)
    else:
        raise MalformedSpan("", f"{what} must be an integer or a decimal string, got {_type(value)}")
    if not 0 <= number <= _MAX_UINT64:
        raise MalformedSpan("", f"{what} {number} is out of range")
    return number


# -- AnyValue ----------------------------------------------------------------------------------
def _string(raw: Any, depth: int) -> str:
    if type(raw) is not str:
        raise MalformedSpan("", f"stringValue must be a string, got {_type(raw)}")
    return raw


def _int(raw: Any, depth: int) -> int:
    if type(raw) is int:
        return raw
    if type(raw) is str:
        return _integer(raw, "intValue")
    raise MalformedSpan("", f"intValue must be an integer, got {_type(raw)}")


def _double(raw: Any, depth: int) -> float:
    if type(raw) is float or type(raw) is int:
        return float(raw)
    if type(raw) is str and raw in _SPECIAL_DOUBLES:
        return _SPECIAL_DOUBLES[raw]
    raise MalformedSpan("", f"doubleValue must be a number, got {_type(raw)}")


def _bool(raw: Any, depth: int) -> bool:
    if type(raw) is not bool:
        raise MalformedSpan("", f"boolValue must be true or false, got {_type(raw)}")
    return raw


def _array(raw: Any, depth: int) -> tuple[Any, ...]:
    items = _list(_object(raw, "arrayValue"), "values", "values")
    decoded = []
    index = 0
    try:
        for _index, item in enumerate(items):
            decoded.append(any_value(item, depth + 1))
    except MalformedSpan as problem:
        raise problem.under(f"[{index}]") from None
    return tuple(decoded)


def _kvlist(raw: Any, depth: int) -> dict[str, Any]:
    return _key_values(_list(_object(raw, "kvlistValue"), "values", "values"), depth + 1)


def _bytes(raw: Any, depth: int) -> str:
    if type(raw) is not str:
        raise MalformedSpan("", f"bytesValue must be base64 text, got {_type(raw)}")
    return raw


_VALUE_DECODERS: dict[str, Callable[[Any, int], Any]] = {}
for _camel, _snake, _decoder in (
    ("stringValue", "string_value", _string),
    ("intValue", "int_value", _int),
    ("doubleValue", "double_value", _double),
    ("boolValue", "bool_value", _bool),
    ("arrayValue", "array_value", _array),
    ("kvlistValue", "kvlist_value", _kvlist),
    ("bytesValue", "bytes_value", _bytes),
):
    _VALUE_DECODERS[_camel] = _VALUE_DECODERS[_snake] = _decoder


def any_value(value: Any, depth: int = 0) -> Any:
    """An OTLP ``AnyValue`` as a Python value (arrays as tuples, like SDK attributes); None if empty."""
    if depth > _MAX_DEPTH:
        raise MalformedSpan("", "value nested too deeply")
    if type(value) is not dict:
        raise MalformedSpan("", f"value must be an object, got {_type(value)}")
    for kind, raw in value.items():
        decoder = _VALUE_DECODERS.get(kind)
        if decoder is not None:
            return decoder(raw, depth)
    return None


def _key_values(items: list[Any], depth: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = {}
    index, key = 0, None
    try:
        for _index, item in enumerate(items):
            key = None
            if type(item) is not dict:
                raise MalformedSpan("", f"attribute must be an object, got {_type(item)}")
            key = item.get("key")
            if type(key) is not str:
                raise MalformedSpan("", f"attribute key must be a string, got {_type(key)}")
            decoded = any_value(item.get("value", {}), depth)
            if decoded is not None:
                result[key] = decoded
    except MalformedSpan as problem:
        raise problem.under(f"[{index}]" + (f" ({key})" if isinstance(key, str) else "")) from None
    return result


def _attributes(container: dict[str, Any]) -> dict[str, Any]:
    try:
        return _key_values(_list(container, "attributes", "attributes"))
    except MalformedSpan as problem:
        raise problem.under(".attributes") from None


# -- Span --------------------------------------------------------------------------------------
def _status(span: dict[str, Any]) -> tuple[str, str | None]:
    status = span.get("status")
    if status is None:
        return STATUS_UNSET, None
    status = _object(status, "status")
    code = status.get("code", 0)
    if type(code) is int and code in _STATUS_BY_CODE:
        name = _STATUS_BY_CODE[code]
    elif type(code) is str and code in _STATUS_BY_NAME:
        name = _STATUS_BY_NAME[code]
    else:
        raise MalformedSpan("", f"status.code {str(code)[:40]!r} is not 0, 1 or 2")
    message = status.get("message")
    if message is not None and type(message) is not str:
        raise MalformedSpan("", f"status.message must be a string, got {_type(message)}")
    return name, message or None


def _events(span: dict[str, Any]) -> list[SpanEvent]:
    events = []
    index = 0
    try:
        for _index, event in enumerate(_list(span, "events", "events")):
            event = _object(event, "event")
            name = event.get("name", "")
            if type(name) is not str:
                raise MalformedSpan("", f"name must be a string, got {_type(name)}")
            events.append(SpanEvent(name, _attributes(event)))
    except MalformedSpan as problem:
        raise problem.under(f".events[{index}]") from None
    return events


def decode_span(span: Any) -> SpanView:
    """One OTLP/JSON ``Span`` object as a :class:`SpanView`; :class:`MalformedSpan` if it cannot be read."""
    span = _object(span, "span")
    trace_id = decode_id(_field(span, "traceId", "trace_id"), 16, "traceId")
    span_id = decode_id(_field(span, "spanId", "span_id"), 8, "spanId")
    parent = decode_id(_field(span, "parentSpanId", "parent_span_id"), 8, "parentSpanId", required=False)
    name = span.get("name", "")
    if type(name) is not str:
        raise MalformedSpan("", f"name must be a string, got {_type(name)}")
    start_raw = _field(span, "startTimeUnixNano", "start_time_unix_nano")
    if start_raw is None:
        raise MalformedSpan("", "startTimeUnixNano is missing")
    start = _uint64(start_raw, "startTimeUnixNano")
    end_raw = _field(span, "endTimeUnixNano", "end_time_unix_nano")
    end = _uint64(end_raw, "endTimeUnixNano") if end_raw is not None else 0
    flags = span.get("flags", 0)
    if type(flags) is not int:
        raise MalformedSpan("", f"flags must be an integer, got {_type(flags)}")
    status_code, status_message = _status(span)
    return SpanView(
        trace_id=trace_id,  # type: ignore[arg-type]  # required ids are never None
        span_id=span_id,  # type: ignore[arg-type]
        parent_span_id=parent,
        parent_is_remote=parent is not None and flags & _REMOTE_PARENT == _REMOTE_PARENT,
        name=name,
        start_time_ns=start,
        end_time_ns=end or start,
        attributes=_attributes(span),
        status_code=status_code,
        status_message=status_message,
        events=_events(span),
    )


def _service(resource_spans: dict[str, Any]) -> str | None:
    resource = _object(resource_spans.get("resource", {}), "resource")
    try:
        service = _attributes(resource).get("service.name")
    except MalformedSpan as problem:
        raise problem.under(".resource") from None
    return service if type(service) is str else None


def decode_document(document: Any) -> Iterator[DecodedSpan | MalformedSpan]:
    """The spans of one ``TracesData`` document, in order; malformed parts are yielded as
    :class:`MalformedSpan` in their place and reading goes on with the next span."""
    if type(document) is not dict:
        yield MalformedSpan("", f"expected a JSON object with resourceSpans, got {_type(document)}")
        return
    try:
        resources = _list(document, "resourceSpans", "resource_spans")
    except MalformedSpan as problem:
        yield problem
        return
    for r_index, resource_spans in enumerate(resources):
        try:
            resource_spans = _object(resource_spans, "resourceSpans item")
            service = _service(resource_spans)
            scopes = _list(resource_spans, "scopeSpans", "scope_spans")
        except MalformedSpan as problem:
            yield problem.under(f"resourceSpans[{r_index}]")
            continue
        for s_index, scope_spans in enumerate(scopes):
            try:
                spans = _list(_object(scope_spans, "scopeSpans item"), "spans", "spans")
            except MalformedSpan as problem:
                yield problem.under(f"resourceSpans[{r_index}].scopeSpans[{s_index}]")
                continue
            for index, span in enumerate(spans):
                try:
                    view = decode_span(span)
                except MalformedSpan as problem:
                    yield problem.under(f"resourceSpans[{r_index}].scopeSpans[{s_index}].spans[{index}]")
                    continue
                yield DecodedSpan(view, service)
