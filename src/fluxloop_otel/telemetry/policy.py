"""Where recorded content (prompts, replies, tool arguments and results, documents) may go.

The OTel GenAI instrumentations name four capture modes
(``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``); fluxloop-otel adds the local JSONL
files as a third destination besides span attributes and log events. A :class:`ContentPolicy`
is the resolved answer for each destination; the configuration layer builds it (failing closed
on values it does not understand), the emitter and the exporters obey it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ContentMode(str, Enum):
    """The GenAI content capture modes (values as the OTel GenAI instrumentations spell them)."""

    NO_CONTENT = "NO_CONTENT"
    SPAN_ONLY = "SPAN_ONLY"
    EVENT_ONLY = "EVENT_ONLY"
    SPAN_AND_EVENT = "SPAN_AND_EVENT"


#: Accepted spellings (lower-cased) -> mode; ``true``/``false`` are the older boolean form.
MODE_NAMES: dict[str, ContentMode] = {
    "no_content": ContentMode.NO_CONTENT,
    "false": ContentMode.NO_CONTENT,
    "span_only": ContentMode.SPAN_ONLY,
    "true": ContentMode.SPAN_ONLY,
    "event_only": ContentMode.EVENT_ONLY,
    "span_and_event": ContentMode.SPAN_AND_EVENT,
}


def parse_mode(text: str) -> ContentMode:
    """A mode from its name (any case); ``ValueError`` naming the accepted values otherwise."""
    mode = MODE_NAMES.get(str(text).strip().lower())
    if mode is None:
        raise ValueError("expected one of NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT, true, false")
    return mode


@dataclass(frozen=True)
class ContentPolicy:
    """Where content goes.

    * ``record``: content is captured at all (span attributes before export, and so the JSONL);
    * ``otlp``: content may leave through OTLP on span attributes (else it is stripped there);
    * ``events``: content is emitted as ``gen_ai.client.inference.operation.details`` log events.
    """

    record: bool = True
    otlp: bool = True
    events: bool = False

    @classmethod
    def for_mode(cls, mode: ContentMode, local_opt_in: bool = False) -> "ContentPolicy":
        """The policy of a GenAI capture mode; ``local_opt_in`` keeps content in the JSONL under NO_CONTENT."""
        if mode is ContentMode.NO_CONTENT:
            return cls(record=local_opt_in, otlp=False, events=False)
        if mode is ContentMode.SPAN_ONLY:
            return cls(record=True, otlp=True, events=False)
        if mode is ContentMode.EVENT_ONLY:
            return cls(record=True, otlp=False, events=True)
        return cls(record=True, otlp=True, events=True)


#: Capture nothing anywhere.
NOTHING = ContentPolicy(record=False, otlp=False, events=False)
