"""FluxLoop ids from OpenTelemetry ids, and back.

* The FluxLoop ``trace_id`` is the OTel trace id written as a UUID.
* An observation id is a UUID whose first 16 hex digits are the trace id's first 16 and
  whose last 16 are the span id, so the OTel span id is readable inside it.
* The root span of an ``instrument()`` block gets the span id ``trace_id & (2**64 - 1)``:
  any reader (the JSONL processor, ``convert``) recognises "my parent is the trace root"
  from the ids alone, as the FluxLoop SDK omits ``parent_observation_id`` there.
"""

from __future__ import annotations

import uuid

_LOW64 = (1 << 64) - 1


_prefixes: dict[int, str] = {}


def trace_uuid(trace_id: int) -> str:
    """FluxLoop trace id (UUID string) of an OTel trace id."""
    text = f"{trace_id:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def observation_uuid(trace_id: int, span_id: int) -> str:
    """FluxLoop observation id (UUID string) of an OTel span."""
    high = trace_id >> 64
    prefix = _prefixes.get(high)
    if prefix is None:  # "xxxxxxxx-xxxx-xxxx-": the trace part, shared by a trace's spans
        if len(_prefixes) > 1024:
            _prefixes.clear()
        text = f"{high:016x}"
        prefix = _prefixes[high] = f"{text[:8]}-{text[8:12]}-{text[12:16]}-"
    text = f"{span_id:016x}"
    return f"{prefix}{text[:4]}-{text[4:]}"


def workflow_root_span_id(trace_id: int) -> int:
    """Span id given to the root span of an ``instrument()`` block in trace ``trace_id``."""
    return (trace_id & _LOW64) or 1


def trace_id_from_uuid(value: "uuid.UUID | str | int") -> int:
    """OTel trace id from a FluxLoop trace UUID (UUID, string or int); ValueError if invalid."""
    if isinstance(value, int):
        trace_id = value
    elif isinstance(value, uuid.UUID):
        trace_id = value.int
    else:
        text = str(value).strip()
        trace_id = int(text, 16) if len(text) == 32 else uuid.UUID(text).int
    if not 0 < trace_id < (1 << 128):
        raise ValueError(f"not a valid trace id: {value!r}")
    return trace_id
