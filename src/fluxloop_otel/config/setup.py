"""``configure()``, ``force_flush()``, ``shutdown()``: wiring settings into OpenTelemetry.

* A TracerProvider the user installed (globally or passed as ``tracer_provider``) is
  attached to, never replaced: fluxloop-otel adds one fan-out processor to it.
* With no provider installed, fluxloop-otel installs its own (service name, sampler and
  resource from options and ``OTEL_*`` variables) and owns its shutdown.
* Framework instrumentors are driven through their entry points (this layer never imports
  them): ``instrument()`` with the settings, when the framework is importable.

What ``configure()`` decided lives in one :class:`ConfigState`, swapped whole.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import wrapt
from opentelemetry import trace as trace_api
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from fluxloop_otel.config import diagnostics, signals
from fluxloop_otel.config.options import Settings, option_default, resolve_settings
from fluxloop_otel.core import runtime
from fluxloop_otel.export.fanout import FanOutSpanProcessor
from fluxloop_otel.export.fluxloop.processor import FluxLoopJsonlSpanProcessor
from fluxloop_otel.export.logs import event_logs
from fluxloop_otel.export.metrics_guard import bounded
from fluxloop_otel.semconv.attributes import SCHEMA_URL
from fluxloop_otel.serialization import SecretMasker, Serializer
from fluxloop_otel.telemetry import TRACER_NAME, Telemetry
from fluxloop_otel.telemetry.media import MediaPolicy, directory_upload
from fluxloop_otel.telemetry.metrics import metrics_for
from fluxloop_otel.telemetry.policy import ContentMode
from fluxloop_otel.telemetry.pricing import pricing_from
from fluxloop_otel.version import __version__

logger = logging.getLogger("fluxloop_otel")


@dataclass(frozen=True)
class ConfigState:
    """What the last ``configure()`` decided (replaced whole by the next one)."""

    #: The keyword arguments it was given (re-resolved by :func:`refresh_from_environment`).
    options: Mapping[str, Any] = field(default_factory=dict)
    #: The provider fluxloop-otel installed itself (``None`` when it attached to the user's).
    own_provider: TracerProvider | None = None
    #: Keys of the processors in the fan-out, to reuse them when a new call changes nothing about them.
    jsonl_key: tuple[Any, ...] | None = None
    otlp_key: tuple[Any, ...] | None = None


_lock = threading.RLock()
_state = ConfigState()
#: The fan-out processor fluxloop-otel added to each provider (the SDK cannot remove one).
_fanouts: "weakref.WeakKeyDictionary[Any, FanOutSpanProcessor]" = weakref.WeakKeyDictionary()
#: The MeterProvider fluxloop-otel made for OTLP metric export (GenAI metrics), and what it was made for.
_own_meter_provider: Any = None
_meter_key: tuple[Any, ...] | None = None


def configure(
    *,
    enabled: bool | None = None,
    debug: bool | None = None,
    service_name: str | None = None,
    environment: str | None = None,
    offline_store_enabled: bool | None = None,
    offline_store_dir: str | None = None,
    daily_files: bool | None = None,
    include_foreign_spans: bool | None = None,
    sample_rate: float | None = None,
    capture_content: bool | str | ContentMode | None = None,
    otlp_capture_content: bool | None = None,
    max_content_chars: int | None = None,
    mask_secrets: bool | None = None,
    secret_keys: tuple[str, ...] | list[str] | None = None,
    redact: Callable[[Any, str], Any] | None = None,
    otlp_endpoint: str | None = None,
    otlp_protocol: str | None = None,
    otlp_headers: Mapping[str, str] | None = None,
    instrument_langchain: bool | None = None,
    instrument_nat: bool | None = None,
    instrument_agnt5: bool | None = None,
    langchain_hide_internal: bool | None = None,
    instrument_threading: bool | None = None,
    batch_size: int | None = None,
    flush_interval: float | None = None,
    max_queue_size: int | None = None,
    file_mode: int | None = None,
    record_args: bool | None = None,
    recording_file: str | None = None,
    flush_on_sigterm: bool | None = None,
    tracer_provider: TracerProvider | None = None,
    metrics: bool | None = None,
    blob_upload: Callable[[bytes, str | None], str | None] | bool | None = None,
    meter_provider: Any = None,
    price_table: Any = None,
    **sdk_options: Any,
) -> Settings:
    """Configure tracing. Every option is keyword-only; ``None`` (the default) means "from the
    environment variable, else the default" (the table: docs/configuration.md).

    FluxLoop SDK option names (``storage``, ``base_path``, ``use_collector``, ``api_key``...)
    are accepted in ``sdk_options`` for source compatibility. Safe to call again: later
    calls replace the earlier settings. Unknown options raise ``TypeError`` (with
    suggestions); invalid values raise ``ValueError``.
    """
    given = {name: value for name, value in locals().items() if name != "sdk_options" and value is not None}
    given.update(sdk_options)
    return _configure(given)


def _configure(options: Mapping[str, Any]) -> Settings:
    settings = resolve_settings(options)
    with _lock:
        _apply(settings, options)
    _apply_recording(settings)
    return settings


def refresh_from_environment() -> None:
    """Re-resolve the last ``configure()`` call against the current environment."""
    with _lock:
        if runtime.current is not None:
            _configure(_state.options)


def current_settings() -> Settings:
    """The settings in force (configuring from the environment if nothing did yet)."""
    settings = runtime.get().settings
    return settings if isinstance(settings, Settings) else resolve_settings({})


def force_flush(timeout: float = 30.0) -> bool:
    """Write/export everything ended so far; True when done within ``timeout`` seconds."""
    with _lock:
        fanouts = list(_fanouts.values())
        meters = _own_meter_provider
    started = time.monotonic()
    done = all(fanout.force_flush(int(timeout * 1000)) for fanout in fanouts)
    done = event_logs.force_flush(int(timeout * 1000)) and done
    if meters is not None:  # the GenAI metrics: never longer than what is left of ``timeout``
        left = max(0.0, timeout - (time.monotonic() - started))
        done = bounded(lambda: meters.force_flush(int(left * 1000)), left) and done
    return done


def shutdown(timeout: float = 30.0) -> None:
    """Flush and stop fluxloop-otel's processors (and the provider, if fluxloop-otel made it).

    Traced calls made afterwards are pass-throughs until ``configure()`` is called again.
    """
    global _state, _own_meter_provider, _meter_key
    with _lock:
        force_flush(timeout)
        for fanout in list(_fanouts.values()):
            fanout.replace(())
        event_logs.shutdown()
        _state = ConfigState(own_provider=_state.own_provider)
        if _own_meter_provider is not None:  # its last metrics were exported by force_flush above
            meters = _own_meter_provider
            bounded(lambda: meters.shutdown(timeout_millis=timeout * 1000), min(timeout, 1.0))
            _own_meter_provider = _meter_key = None
        runtime.install(runtime.Runtime(resolve_settings({"enabled": False}), None))


# -- internals ----------------------------------------------------------------------------
def _apply_recording(settings: Settings) -> None:
    """Argument recorder on/off (``record_args``, ``recording_file``), as the FluxLoop SDK does."""
    from fluxloop_otel.core import recording

    recording.apply_settings(bool(settings.record_args), settings.recording_file, settings.file_mode)


def _apply(settings: Settings, options: Mapping[str, Any]) -> None:
    global _state
    diagnostics.apply_debug(bool(settings.debug))
    signals.apply(settings.flush_on_sigterm, settings.source("flush_on_sigterm") != "default")
    serializer = Serializer(
        max_chars=settings.max_content_chars,
        masker=SecretMasker(settings.secret_keys, enabled=settings.mask_secrets),
        redact=settings.redact,
    )
    policy = settings.content_policy
    if not settings.enabled:
        _state = ConfigState(options=dict(options), own_provider=_state.own_provider)
        runtime.install(runtime.Runtime(settings, None))
        return
    pricing = pricing_from(settings.price_table)
    media = _media_policy(settings)
    provider, owned = _resolve_provider(settings)
    metrics = metrics_for(_meter_provider(settings, options, owned)) if settings.metrics else None
    if provider is None:
        tracer = trace_api.get_tracer(TRACER_NAME, __version__)
        _state = ConfigState(options=dict(options), own_provider=_state.own_provider)
        runtime.install(
            runtime.Runtime(settings, Telemetry(tracer, serializer, policy=policy, metrics=metrics, pricing=pricing, media=media))
        )
        return
    fanout = _fanout_for(provider)
    processors, jsonl_key, otlp_key = _processors(settings, options, fanout, owned)
    fanout.replace(processors)
    _state = ConfigState(
        options=dict(options),
        own_provider=provider if owned else _state.own_provider,
        jsonl_key=jsonl_key,
        otlp_key=otlp_key,
    )
    tracer = provider.get_tracer(TRACER_NAME, __version__)
    event_logger = _event_logger(settings, options, provider) if policy.events else None
    # FLUXLOOP_OTLP_CAPTURE_CONTENT=false: events (which may leave by OTLP) keep their structure, not the content.
    telemetry = Telemetry(
        tracer,
        serializer,
        policy=policy,
        event_logger=event_logger,
        event_content=settings.otlp_capture_content,
        metrics=metrics,
        pricing=pricing,
        media=media,
    )
    runtime.install(runtime.Runtime(settings, telemetry))
    _activate_integrations(settings, provider)
    logger.debug("fluxloop-otel configured: %s", {k: v for k, v in settings.as_dict().items() if k != "redact"})
    diagnostics.log_destinations(settings, fanout.processors)


def _event_logger(settings: Settings, options: Mapping[str, Any], provider: Any) -> Any:
    """The logger of GenAI log events (content mode EVENT_ONLY / SPAN_AND_EVENT): see ``export/logs.py``."""
    from opentelemetry import _logs

    logger_provider = event_logs.provider_for(
        endpoint=settings.otlp_endpoint,
        protocol=settings.otlp_protocol,
        headers=settings.otlp_headers,
        explicit=bool(options.get("otlp_endpoint")),
        resource=getattr(provider, "resource", None),
    )
    return _logs.get_logger(TRACER_NAME, __version__, logger_provider, schema_url=SCHEMA_URL)


def _resolve_provider(settings: Settings) -> tuple[Any, bool]:
    """The SDK provider to attach to and whether fluxloop-otel owns it; (None, False) if none can be used."""
    own = _state.own_provider
    explicit = settings.tracer_provider
    if explicit is not None:
        if not hasattr(explicit, "add_span_processor"):
            raise TypeError("tracer_provider must be an opentelemetry.sdk.trace.TracerProvider")
        return explicit, explicit is own
    current = trace_api.get_tracer_provider()
    if hasattr(current, "add_span_processor"):
        return current, current is own
    if not isinstance(current, trace_api.ProxyTracerProvider):
        logger.warning(
            "fluxloop-otel: the global tracer provider (%s) is not an SDK TracerProvider; "
            "spans go to it but FluxLoop JSONL files cannot be written",
            type(current).__name__,
        )
        return None, False
    # Nothing installed: the FluxLoop SDK's behaviour (a ported agent just works), with the
    # provider's ownership recorded so shutdown() stops what fluxloop-otel started.
    provider = TracerProvider(resource=_resource(settings), sampler=_sampler(settings))
    trace_api.set_tracer_provider(provider)
    if trace_api.get_tracer_provider() is not provider:  # someone else won the race
        return _resolve_provider(settings)
    return provider, True


_exit_hook_registered = False


def _register_exit_hook() -> None:
    global _exit_hook_registered
    import atexit

    atexit.register(_flush_meters_at_exit)
    _exit_hook_registered = True


#: Interpreter exit waits at most this long for the GenAI metrics (the spans' exit budget is about 1 s).
EXIT_METRICS_SECONDS = 0.25


def _flush_meters_at_exit() -> None:
    """Interpreter exit: the GenAI metrics since the last export, unless their backend is failing,
    waiting at most :data:`EXIT_METRICS_SECONDS` (a backend that does not answer costs no more).

    Over gRPC nothing is sent at exit: an export left in flight keeps gRPC's own exit cleanup
    waiting for its retries (seconds); call ``force_flush()`` before a short gRPC program ends.
    """
    meters = _own_meter_provider
    if meters is None or (_meter_key is not None and _meter_key[1] == "grpc"):
        return
    readers = getattr(meters, "_sdk_config", None)
    exporters = [getattr(reader, "_exporter", None) for reader in getattr(readers, "metric_readers", ())]
    if any(getattr(exporter, "failing", False) for exporter in exporters):
        return
    bounded(lambda: meters.force_flush(int(EXIT_METRICS_SECONDS * 1000)), EXIT_METRICS_SECONDS)


def _media_policy(settings: Settings) -> MediaPolicy:
    """Large blobs in messages: the user's hook, else files next to the JSONL ones, else elided."""
    upload = settings.blob_upload
    if upload is False:
        upload = None
    elif upload is None and settings.offline_store_enabled:
        upload = directory_upload(settings.offline_store_dir, settings.file_mode)
    elif upload is not None and not callable(upload):
        raise TypeError("blob_upload must be a callable upload(data, mime_type) -> URI, or False")
    return MediaPolicy(settings.max_content_chars, upload)


def _meter_provider(settings: Settings, options: dict[str, Any], owned: bool) -> Any:
    """Where the GenAI metrics go: ``meter_provider``, the global one if an SDK installed it, or
    fluxloop-otel's own OTLP one when traces are exported (as for the OTLP span processor)."""
    global _own_meter_provider, _meter_key
    if settings.meter_provider is not None:
        return settings.meter_provider
    from opentelemetry import metrics as metrics_api

    from fluxloop_otel.telemetry.metrics import usable

    current = metrics_api.get_meter_provider()
    if usable(current):
        return current
    if not (settings.otlp_endpoint and (options.get("otlp_endpoint") or owned)):
        return None
    key = (settings.otlp_endpoint, settings.otlp_protocol, repr(settings.otlp_headers))
    if _own_meter_provider is None or key != _meter_key:
        from fluxloop_otel.export.otlp import build_otlp_meter_provider

        if _own_meter_provider is not None:
            previous = _own_meter_provider
            bounded(lambda: previous.shutdown(timeout_millis=1000), 1.0)
        if not _exit_hook_registered:
            _register_exit_hook()
        _own_meter_provider = build_otlp_meter_provider(
            settings.otlp_protocol, settings.otlp_endpoint, settings.otlp_headers, _resource(settings)
        )
        _meter_key = key
    return _own_meter_provider


def _resource(settings: Settings) -> Resource:
    attributes: dict[str, Any] = {}
    # A service.name in OTEL_RESOURCE_ATTRIBUTES beats the default name, not one set explicitly.
    if settings.service_name != option_default("service_name") or "service.name" not in OTELResourceDetector().detect().attributes:
        attributes["service.name"] = settings.service_name
    if settings.environment:
        attributes["deployment.environment.name"] = settings.environment
    return Resource.create(attributes)


def _sampler(settings: Settings) -> Any:
    if os.environ.get("OTEL_TRACES_SAMPLER"):  # read by the SDK itself (with _ARG): leave it the choice
        return None
    rate = float(settings.sample_rate)
    return ParentBased(TraceIdRatioBased(rate)) if rate < 1.0 else None


def _fanout_for(provider: Any) -> FanOutSpanProcessor:
    fanout = _fanouts.get(provider)
    if fanout is None:
        fanout = FanOutSpanProcessor()
        provider.add_span_processor(fanout)
        _fanouts[provider] = fanout
    return fanout


def _processors(
    settings: Settings, options: Mapping[str, Any], fanout: FanOutSpanProcessor, owned: bool
) -> tuple[list[SpanProcessor], tuple[Any, ...] | None, tuple[Any, ...] | None]:
    """The JSONL and OTLP processors for ``settings`` (reusing current ones when unchanged), and their keys."""
    existing = {type(p).__name__: p for p in fanout.processors}
    processors: list[SpanProcessor] = []  # (the fan-out itself stamps session/user/metadata/tags)
    jsonl_key = otlp_key = None
    if settings.offline_store_enabled:
        jsonl_key = (
            os.path.abspath(settings.offline_store_dir),
            settings.daily_files,
            settings.include_foreign_spans,
            settings.batch_size,
            settings.flush_interval,
            settings.max_queue_size,
            settings.file_mode,
            settings.mask_secrets,
            tuple(settings.secret_keys),
        )
        current = existing.get("FluxLoopJsonlSpanProcessor")
        if current is None or jsonl_key != _state.jsonl_key:
            current = FluxLoopJsonlSpanProcessor(
                settings.offline_store_dir,
                daily_files=settings.daily_files,
                include_foreign_spans=settings.include_foreign_spans,
                batch_size=settings.batch_size,
                flush_interval=settings.flush_interval,
                max_queue_size=settings.max_queue_size,
                file_mode=settings.file_mode,
                masker=SecretMasker(settings.secret_keys, enabled=settings.mask_secrets),  # other instrumentations' spans
            )
        processors.append(current)
    explicit_endpoint = options.get("otlp_endpoint")
    # Export when asked explicitly, or from OTEL_* variables when fluxloop-otel owns the
    # provider (a user's own provider already has the exporters they configured).
    if settings.otlp_endpoint and (explicit_endpoint or owned):
        from fluxloop_otel.export.otlp import build_otlp_processor

        content = settings.content_policy.otlp
        otlp_key = (settings.otlp_endpoint, settings.otlp_protocol, content, repr(settings.otlp_headers), settings.mask_secrets, tuple(settings.secret_keys))
        current = existing.get("GuardedBatchSpanProcessor")
        if current is None or otlp_key != _state.otlp_key:
            masker = SecretMasker(settings.secret_keys, enabled=settings.mask_secrets)  # every span, whoever wrote it
            current = build_otlp_processor(settings.otlp_protocol, explicit_endpoint, settings.otlp_headers, content, masker)
        processors.append(current)
    return processors, jsonl_key, otlp_key


def _activate_integrations(settings: Settings, provider: Any) -> None:
    if settings.instrument_threading:
        from fluxloop_otel.config.threads import instrument_threads

        instrument_threads()
    for framework in FRAMEWORKS:
        framework.apply(settings, provider)


_NO_METRICS: Any = None


def _metrics_provider(telemetry: Telemetry) -> Any:
    """The MeterProvider behind ``telemetry``'s metrics; the API's no-op one when it records none."""
    global _NO_METRICS
    if telemetry.metrics is not None:
        return telemetry.metrics.provider
    if _NO_METRICS is None:
        from opentelemetry import metrics as metrics_api

        _NO_METRICS = metrics_api.NoOpMeterProvider()
    return _NO_METRICS


class Framework:
    """One framework instrumentor ``configure()`` drives, found through its entry point.

    The configuration layer never imports instrumentations: it loads them by entry point
    (``opentelemetry_instrumentor`` group), as ``opentelemetry-instrument`` does, when the
    framework's module is (or gets) imported, and calls ``instrument()`` with its settings.
    """

    def __init__(self, option: str, entry_point: str, module: str, extra_options: Any = None) -> None:
        self.option = option
        self.entry_point = entry_point
        self.module = module
        self._extra = extra_options or (lambda settings: {})
        #: The ``instrument()`` options configure() used, while it (not the user) instrumented.
        self._applied: dict[str, Any] | None = None
        self._hooked = False
        self._pending: tuple[Settings, Any] | None = None

    def apply(self, settings: Settings, provider: Any) -> None:
        if not getattr(settings, self.option):
            self._uninstrument()
            return
        self._pending = (settings, provider)
        if self.module in sys.modules:
            self._instrument()
        elif not self._hooked:
            # Instrument when the application imports the framework: programs that never use
            # it never pay for importing it.
            self._hooked = True
            wrapt.register_post_import_hook(lambda _module: self._instrument(), self.module)

    def _instrumentor(self) -> Any:
        from importlib.metadata import entry_points

        for entry in entry_points(group="opentelemetry_instrumentor", name=self.entry_point):
            return entry.load()()
        raise LookupError(f"entry point {self.entry_point!r} not found (is fluxloop-otel installed?)")

    def _instrument(self) -> None:
        pending = self._pending
        active = runtime.current
        if pending is None or active is None or not active.enabled:
            return
        settings, provider = pending
        try:
            instrumentor = self._instrumentor()
            options = {
                "tracer_provider": provider,
                "capture_content": active.telemetry.capture_content,
                "content_policy": active.telemetry.policy,
                "event_content": active.telemetry.event_content,
                "logger_provider": event_logs.own if active.telemetry.event_logger is not None else None,
                "serializer": active.telemetry.serializer,
                "meter_provider": _metrics_provider(active.telemetry),
                "price_table": active.telemetry.pricing,
                "blob_upload": active.telemetry.media.upload if active.telemetry.media is not None else False,
                **self._extra(settings),
            }
            if instrumentor.is_instrumented_by_opentelemetry:
                if self._applied is None:
                    return  # the user (or opentelemetry-instrument) instrumented it: their choice stands
                if self._applied == options:
                    return
                instrumentor.uninstrument()
            instrumentor.instrument(**options)
            self._applied = options
        except Exception as exc:
            logger.warning("fluxloop-otel: %s instrumentation failed: %r", self.entry_point, exc)

    def _uninstrument(self) -> None:
        self._pending = None
        if self._applied is None:
            return
        self._applied = None
        try:
            instrumentor = self._instrumentor()
            if instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.uninstrument()
        except Exception as exc:
            logger.warning("fluxloop-otel: %s uninstrumentation failed: %r", self.entry_point, exc)


#: The framework instrumentors configure() switches on when their framework is importable.
FRAMEWORKS: tuple[Framework, ...] = (
    Framework(
        "instrument_langchain",
        "fluxloop_langchain",
        "langchain_core",
        lambda settings: {"hide_internal_runnables": bool(settings.langchain_hide_internal)},
    ),
    Framework("instrument_nat", "fluxloop_nat", "nat.builder.function"),
    Framework("instrument_agnt5", "fluxloop_agnt5", "agnt5"),
)


# The first traced call configures from the environment when nothing else did.
runtime.set_autoconfigure(lambda: _configure({}))
