"""Zero-code setup: ``opentelemetry-instrument python app.py`` with environment variables only.

Registered through the ``opentelemetry_distro`` and ``opentelemetry_configurator`` entry
points (both named ``fluxloop``). ``opentelemetry-instrument`` runs, in this order:

1. :class:`FluxLoopDistro` — environment defaults: traces go to OTLP (http/protobuf)
   when an ``OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`` is set (else only to the JSONL files),
   and so do the GenAI client metrics; logs are off unless asked for, and the configurator is ``fluxloop``;
2. :class:`FluxLoopConfigurator` — the OpenTelemetry SDK set up from ``OTEL_*`` exactly as
   the standard configurator does (exporters, resource, sampler, id generator, metrics,
   logs), every span exporter behind fluxloop-otel's content filter and failure guard, plus
   the FluxLoop JSONL processor on the same TracerProvider;
3. every installed instrumentor (``opentelemetry_instrumentor`` entry points), including
   ``fluxloop_langchain``; ``FLUXLOOP_INSTRUMENT_LANGCHAIN=false`` or
   ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=fluxloop_langchain`` leave LangChain alone.

With ``opentelemetry-distro`` installed as well, set ``OTEL_PYTHON_DISTRO=fluxloop``: the
first distro found is used otherwise, and this distro then selects its configurator.
"""

from __future__ import annotations

import inspect
import logging
import os
from typing import Any

from opentelemetry.environment_variables import (
    OTEL_LOGS_EXPORTER,
    OTEL_METRICS_EXPORTER,
    OTEL_TRACES_EXPORTER,
)
from opentelemetry.instrumentation.distro import BaseDistro
from opentelemetry.sdk._configuration import _initialize_components, _OTelSDKConfigurator
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
)
from opentelemetry.trace import get_tracer_provider

from fluxloop_otel.config.options import resolve_settings

logger = logging.getLogger("fluxloop_otel")

ENTRY_POINT_NAME = "fluxloop"
LANGCHAIN_ENTRY_POINT = "fluxloop_langchain"
OTEL_PYTHON_CONFIGURATOR = "OTEL_PYTHON_CONFIGURATOR"


def distro_defaults(environ: "os._Environ[str] | dict[str, str]") -> dict[str, str]:
    """The variables :class:`FluxLoopDistro` sets when they are not set already."""
    has_endpoint = bool(environ.get(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or environ.get(OTEL_EXPORTER_OTLP_ENDPOINT))
    return {
        OTEL_TRACES_EXPORTER: "otlp" if has_endpoint else "none",
        OTEL_METRICS_EXPORTER: "otlp" if has_endpoint else "none",  # the GenAI client metrics
        OTEL_LOGS_EXPORTER: "none",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_PYTHON_CONFIGURATOR: ENTRY_POINT_NAME,
    }


class FluxLoopDistro(BaseDistro):
    """Environment defaults for zero-code FluxLoop + OTLP tracing."""

    def _configure(self, **kwargs: Any) -> None:
        for name, value in distro_defaults(os.environ).items():
            os.environ.setdefault(name, value)

    def load_instrumentor(self, entry_point: Any, **kwargs: Any) -> None:
        if entry_point.name == LANGCHAIN_ENTRY_POINT and not resolve_settings({}).instrument_langchain:
            logger.debug("fluxloop-otel: LangChain instrumentation switched off by FLUXLOOP_INSTRUMENT_LANGCHAIN")
            return
        super().load_instrumentor(entry_point, **kwargs)


class FluxLoopConfigurator(_OTelSDKConfigurator):
    """The standard SDK configuration plus the FluxLoop JSONL processor and guarded exporters."""

    def _configure(self, **kwargs: Any) -> None:
        from fluxloop_otel.config.setup import (  # the same resource and sampler as configure()
            _resource,
            _sampler,
            configure,
        )
        from fluxloop_otel.export.otlp import guarded_batch_processor
        from fluxloop_otel.serialization import SecretMasker

        settings = resolve_settings({})
        masker = SecretMasker(settings.secret_keys, enabled=settings.mask_secrets)  # every span, whoever wrote it
        if "export_span_processor" in inspect.signature(_initialize_components).parameters:
            kwargs.setdefault(
                "export_span_processor",
                lambda exporter: guarded_batch_processor(exporter, settings.content_policy.otlp, masker),
            )
        elif not settings.content_policy.otlp:  # opentelemetry-sdk < 1.40: exporters cannot be wrapped
            logger.warning("fluxloop-otel: FLUXLOOP_OTLP_CAPTURE_CONTENT=false needs opentelemetry-sdk>=1.40; trace export is off")
            os.environ[OTEL_TRACES_EXPORTER] = "none"
        kwargs.setdefault("resource_attributes", dict(_resource(settings).attributes))
        sampler = _sampler(settings)
        if sampler is not None:
            kwargs.setdefault("sampler", sampler)
        super()._configure(**kwargs)
        provider = get_tracer_provider()
        # The instrumentors are loaded next from their entry points (threading, LangChain, ...).
        configure(tracer_provider=provider, instrument_langchain=False, instrument_threading=False)

