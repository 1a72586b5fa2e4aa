"""``FluxLoopJsonlSpanProcessor``: any TracerProvider's spans as FluxLoop JSONL files."""

from __future__ import annotations

import logging
import os
import time
from typing import Iterable

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.trace import StatusCode, TraceFlags

from fluxloop_otel._compat import readable_span_fields
from fluxloop_otel.export.fluxloop.records import (
    STATUS_ERROR,
    STATUS_OK,
    STATUS_UNSET,
    RecordStamps,
    SpanEvent,
    SpanView,
    UsageLedger,
    build_observation,
    build_trace,
)
from fluxloop_otel.export.fluxloop.writer import JsonlWriter, WriterStats
from fluxloop_otel.export.masking import OWN_SCOPE_PREFIX, mask_view
from fluxloop_otel.serialization import jsontext as _json
from fluxloop_otel.serialization.redaction import SecretMasker

logger = logging.getLogger("fluxloop_otel.export")

_SAMPLED = TraceFlags.SAMPLED
OBSERVATIONS_FILE = "observations.jsonl"
TRACES_FILE = "traces.jsonl"
DEFAULT_DIRECTORY = "./traces"


_ERROR, _OK = StatusCode.ERROR, StatusCode.OK


def span_view(span: ReadableSpan, masker: SecretMasker | None = None) -> SpanView:
    """The record builder's view of an SDK span; with ``masker``, other instrumentations' string
    attributes are secret-masked (ours are masked when recorded).

    The view's ``attributes`` is the span's own (finished, so unchanging) dict: read it, never change it.
    """
    trace_id, span_id, parent, name, start, end, attributes, code, description, events, scope = readable_span_fields(span)
    view = SpanView(
        trace_id,
        span_id,
        parent.span_id if parent is not None else None,
        name,
        start or 0,
        end or start or 0,
        attributes if attributes is not None else {},
        # identity tests: an Enum's __hash__ and .name run in Python
        STATUS_ERROR if code is _ERROR else STATUS_OK if code is _OK else STATUS_UNSET,
        description,
        [SpanEvent(event.name, event.attributes or {}) for event in events] if events else (),
        parent is not None and parent.is_remote,
    )
    if masker is not None and masker.enabled and not (scope is not None and scope.startswith(OWN_SCOPE_PREFIX)):
        mask_view(view, masker)
    return view


def record_lines(
    view: SpanView, include_foreign_spans: bool = True, daily_files: bool = False, ledger: UsageLedger | None = None
) -> list[tuple[str, bytes]]:
    """``(file name, JSONL line)`` pairs for one span: its observation and, for roots, its trace.

    ``ledger``: the :class:`UsageLedger` of the span stream (one count per model call)."""
    if daily_files:
        suffix = "_" + time.strftime("%Y%m%d", time.localtime(view.end_time_ns / 1e9))
        observations, traces = f"observations{suffix}.jsonl", f"traces{suffix}.jsonl"
    else:
        observations, traces = OBSERVATIONS_FILE, TRACES_FILE
    stamps = RecordStamps(view)
    counted_below = ledger.counted_below(view, stamps.kind) if ledger is not None else None
    lines = []
    observation = build_observation(view, stamps, include_foreign_spans, counted_below)
    if observation is not None:
        lines.append((observations, _json.dumps_line(observation)))
    trace = build_trace(view, stamps)
    if trace is not None:
        lines.append((traces, _json.dumps_line(trace)))
    return lines


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
        return record_lines(span_view(span, self.masker), self.include_foreign_spans, self.daily_files, self._ledger)
