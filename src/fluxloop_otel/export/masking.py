"""Secret masking of every exported span, whoever wrote it.

fluxloop-otel's own spans are masked when their content is recorded (the serializer). Other
instrumentations copy what they see: openai-v2 puts a user's message, with the API key
pasted into it, in ``gen_ai.input.messages``. With ``mask_secrets`` on (the default), the
string attributes of every *other* span and of its events are masked on the way to OTLP
(:class:`MaskingExporter`) and to the FluxLoop JSONL (:func:`mask_attributes`, applied by the
JSONL processor's writer thread): credential-looking substrings (``sk-...``, ``Bearer ...``,
GitHub/Slack/AWS/Google/Hugging Face tokens) become ``***``, and so does the whole value of an
attribute whose name looks like a credential (``http.request.header.authorization``).

Our own spans (instrumentation scope ``fluxloop_otel*``) pass untouched: nothing is paid twice.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from fluxloop_otel.export.span_copy import span_with
from fluxloop_otel.serialization.redaction import MASK, MIN_SECRET_VALUE_LENGTH, SecretMasker
from fluxloop_otel.telemetry.scope import OWN_SCOPE_PREFIX


def is_own_span(span: ReadableSpan) -> bool:
    """Whether fluxloop-otel's emitter wrote the span (its content is masked already)."""
    scope = span.instrumentation_scope
    return scope is not None and scope.name.startswith(OWN_SCOPE_PREFIX)


def _mask_sequence(masker: SecretMasker, key: str, value: Sequence[Any]) -> Any:
    if masker.is_secret_key(key):
        return tuple(MASK if isinstance(item, str) else item for item in value)
    masked = [masker.mask_text(item) if isinstance(item, str) else item for item in value]
    return tuple(masked) if masked != list(value) else value


def mask_attributes(attributes: Mapping[str, Any] | None, masker: SecretMasker) -> dict[str, Any] | None:
    """A masked copy of ``attributes``, or ``None`` when nothing needed masking (one pass, cheap
    for the common case: short strings under ordinary keys, numbers, booleans)."""
    if not attributes or not masker.enabled:
        return None
    changed: dict[str, Any] | None = None
    cache = masker.cache
    mask_text = masker.mask_text
    for key, value in attributes.items():
        kind = type(value)
        if kind is str:
            if not value:
                continue
            secret = cache.get(key)
            if secret is None:
                secret = masker.is_secret_key(key)
            masked = MASK if secret else (mask_text(value) if len(value) >= MIN_SECRET_VALUE_LENGTH else value)
        elif (kind is tuple or kind is list) and value and isinstance(value[0], str):
            masked = _mask_sequence(masker, key, value)
        else:
            continue
        if masked is not value and masked != value:
            if changed is None:
                changed = dict(attributes)
            changed[key] = masked
    return changed


def masked_span(span: ReadableSpan, masker: SecretMasker) -> ReadableSpan:
    """``span`` itself when it is ours or has nothing to mask, else a masked copy."""
    if not masker.enabled or is_own_span(span):
        return span
    attributes = mask_attributes(span.attributes, masker)
    events: Sequence[Event] = span.events
    masked_events = None
    for index, event in enumerate(events):
        masked = mask_attributes(event.attributes, masker)
        if masked is not None:
            if masked_events is None:
                masked_events = list(events)
            masked_events[index] = Event(event.name, masked, event.timestamp)
    if attributes is None and masked_events is None:
        return span
    return span_with(
        span,
        attributes if attributes is not None else span.attributes,
        tuple(masked_events) if masked_events is not None else events,
    )


def mask_view(view: Any, masker: SecretMasker) -> None:
    """Mask a record builder's :class:`~fluxloop_otel.export.fluxloop.records.SpanView` in place
    (its attributes are a plain dict: cheaper than copying an SDK span)."""
    masked = mask_attributes(view.attributes, masker)
    if masked is not None:
        view.attributes = masked
    if not view.events:
        return
    events = list(view.events)
    for index, event in enumerate(events):
        masked = mask_attributes(event.attributes, masker)
        if masked is not None:
            events[index] = type(event)(event.name, masked)
            view.events = events


class MaskingExporter(SpanExporter):
    """Exports through ``inner`` with secrets masked in other instrumentations' spans."""

    def __init__(self, inner: SpanExporter, masker: SecretMasker | None = None) -> None:
        self.inner = inner
        self.masker = masker if masker is not None else SecretMasker()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        masker = self.masker
        return self.inner.export([masked_span(span, masker) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


__all__ = ["MaskingExporter", "is_own_span", "mask_attributes", "mask_view", "masked_span"]
