"""``FluxLoopJsonlSpanProcessor``: any TracerProvider's spans as FluxLoop JSONL files."""

from __future__ import annotations

import logging
import os
import time
from typing import Iterable

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.trace import TraceFlags

from fluxloop_otel.export.fluxloop.records import (
    SpanEvent,
    SpanView,
    UsageLedger,
    observation_record,
    trace_record,
)
from fluxloop_otel.export.fluxloop.writer import JsonlWriter, WriterStats
from fluxloop_otel.export.masking import is_own_span, mask_view
from fluxloop_otel.serialization import jsontext as _json
from fluxloop_otel.serialization.redaction import SecretMasker

logger = logging.getLogger("fluxloop_otel.export")

_SAMPLED = TraceFlags.SAMPLED
OBSERVATIONS_FILE = "observations.jsonl"
TRACES_FILE = "traces.jsonl"
DEFAULT_DIRECTORY = "./traces"


def _plain_attributes(span: ReadableSpan) -> dict:
    """A plain-dict copy of the span's attributes.

    The SDK exposes them through a read-only proxy over ``BoundedAttributes`` whose
    lookups run in Python; the writer reads each span's attributes a dozen times, so it
    copies the underlying dict once (falling back to the public mapping).
    """
    inner = getattr(getattr(span, "_attributes", None), "_dict", None)
    if type(inner) is dict:
        return dict(inner)
    return dict(span.attributes or {})


def span_view(span: ReadableSpan, masker: SecretMasker | None = None) -> SpanView:
    """The record builder's view of an SDK span; with ``masker``, other instrumentations' string
    attributes are secret-masked (ours are masked when recorded)."""
    context = span.context
    parent = span.parent
    status = span.status
    view = SpanView(
        trace_id=context.trace_id,
        span_id=context.span_id,
        parent_span_id=parent.span_id if parent is not None else None,
        parent_is_remote=bool(parent is not None and parent.is_remote),
        name=span.name,
        start_time_ns=span.start_time or 0,
        end_time_ns=span.end_time or span.start_time or 0,
        attributes=_plain_attributes(span),
        status_code=status.status_code.name,
        status_message=status.description,
        events=[SpanEvent(event.name, event.attributes or {}) for event in span.events],
    )
    if masker is not None and masker.enabled and not is_own_span(span):
        mask_view(view, masker)
    return view


def record_lines(
    view: SpanView, include_foreign_spans: bool = True, daily_files: bool = False, ledger: UsageLedger | None = None
) -> Iterable[tuple[str, bytes]]:
    """``(file name, JSONL line)`` pairs for one span: its observation and, for roots, its trace.

    ``ledger``: the :class:`UsageLedger` of the span stream (one count per model call)."""
    suffix = ""
    if daily_files:
        suffix = "_" + time.strftime("%Y%m%d", time.localtime(view.end_time_ns / 1e9))
    counted_below = ledger.counted_below(view) if ledger is not None else None
    observation = observation_record(view, include_foreign_spans, counted_below)
    if observation is not None:
        yield f"observations{suffix}.jsonl", _json.dumps_line(observation)
    trace = trace_record(view)
    if trace is not None:
        yield f"traces{suffix}.jsonl", _json.dumps_line(trace)


class FluxLoopJsonlSpanProcessor(SpanProcessor):
    """Writes every ended span as a FluxLoop observation (and every trace root as a trace)
    to ``observations.jsonl`` / ``traces.jsonl`` in ``directory``.

    Add it to any SDK ``TracerProvider``::

        provider.add_span_processor(FluxLoopJsonlSpanProcessor("./traces"))

    ``on_end`` only queues the span; a background thread converts and writes. Faults are
    counted in :attr:`stats` and logged once; they never reach the traced program.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        daily_files: bool = False,
        include_foreign_spans: bool = True,
        batch_size: int = 512,
        flush_interval: float = 1.0,
        max_queue_size: int = 20000,
        file_mode: int = 0o600,
        masker: SecretMasker | None = None,
    ) -> None:
        #: Masks secrets in other instrumentations' spans (default: the standard masker; pass
        #: ``SecretMasker(enabled=False)`` to write them as they are).
        self.masker = masker if masker is not None else SecretMasker()
        self._ledger = UsageLedger()
        self.directory = os.path.abspath(os.fspath(directory or DEFAULT_DIRECTORY))
        self.daily_files = daily_files
        self.include_foreign_spans = include_foreign_spans
        self._writer = JsonlWriter(
            self.directory,
            self._convert,
            batch_size=batch_size,
            flush_interval=flush_interval,
            max_queue_size=max_queue_size,
            file_mode=file_mode,
        )

    @property
    def stats(self) -> WriterStats:
        """Counters: submitted, written lines, dropped (queue full / write errors), ..."""
        return self._writer.stats

    @property
    def observations_path(self) -> str:
        return os.path.join(self.directory, OBSERVATIONS_FILE)

    @property
    def traces_path(self) -> str:
        return os.path.join(self.directory, TRACES_FILE)

    def on_end(self, span: ReadableSpan) -> None:
        """Queue the span for the writer thread (sampled spans only, like exporters)."""
        if span.context.trace_flags & _SAMPLED:
            self._writer.submit(span)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Block until every span ended before the call is written (or the timeout passes)."""
        return self._writer.force_flush(timeout_millis / 1000)

    def shutdown(self) -> None:
        self._writer.shutdown()

    def _convert(self, span: ReadableSpan) -> Iterable[tuple[str, bytes]]:
        return list(record_lines(span_view(span, self.masker), self.include_foreign_spans, self.daily_files, self._ledger))
