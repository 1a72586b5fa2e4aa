"""Every ``configure()`` option and the environment variables it reads: one table.

The README's configuration table is checked against :data:`OPTIONS` by a test.
Precedence: a ``configure()`` argument, then the first environment variable that is set,
then the default.
"""

from __future__ import annotations

import difflib
import logging
import os
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping

logger = logging.getLogger("fluxloop_otel")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"expected true/false, got {text!r}")


def parse_rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1, got {value}")
    return value


def parse_positive_int(text: str) -> int:
    value = int(str(text).strip())
    if value < 1:
        raise ValueError(f"must be a positive integer, got {value}")
    return value


def parse_positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError(f"must be positive, got {value}")
    return value


def parse_mode(text: str) -> int:
    return int(str(text), 8)


def parse_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


OTLP_PROTOCOLS = ("http/protobuf", "grpc", "http/json")


def parse_protocol(text: str) -> str:
    value = text.strip()
    if value not in OTLP_PROTOCOLS:
        raise ValueError(f"expected 'http/protobuf' or 'grpc', got {text!r}")
    return value


@dataclass(frozen=True)
class Option:
    """One configure() option."""

    name: str
    default: Any
    doc: str
    env: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None
    aliases: tuple[str, ...] = ()


OPTIONS: tuple[Option, ...] = (
    Option("enabled", True, "Master switch. `False` makes every decorator a pass-through.", ("FLUXLOOP_ENABLED",), parse_bool),
    Option("debug", False, "Log fluxloop-otel's own activity at DEBUG level.", ("FLUXLOOP_DEBUG",), parse_bool),
    Option(
        "service_name",
        "fluxloop-agent",
        "`service.name` of the TracerProvider fluxloop-otel installs.",
        ("OTEL_SERVICE_NAME", "FLUXLOOP_SERVICE_NAME"),
        str,
    ),
    Option("environment", None, "`deployment.environment.name` resource attribute.", ("FLUXLOOP_ENVIRONMENT",), str),
    Option(
        "offline_store_enabled",
        True,
        "Write FluxLoop JSONL files (`observations.jsonl`, `traces.jsonl`).",
        ("FLUXLOOP_OFFLINE_ENABLED",),
        parse_bool,
    ),
    Option(
        "offline_store_dir",
        "./traces",
        "Directory of the FluxLoop JSONL files.",
        ("FLUXLOOP_OFFLINE_DIR",),
        str,
        aliases=("base_path",),
    ),
    Option(
        "daily_files",
        False,
        "Name files `observations_YYYYMMDD.jsonl` / `traces_YYYYMMDD.jsonl` (the FluxLoop docs' names).",
        ("FLUXLOOP_DAILY_FILES",),
        parse_bool,
    ),
    Option(
        "include_foreign_spans",
        True,
        "Also write spans of other instrumentations (httpx, web frameworks) as `span` observations.",
        ("FLUXLOOP_INCLUDE_FOREIGN_SPANS",),
        parse_bool,
    ),
    Option("sample_rate", 1.0, "Fraction of traces recorded (parent-based ratio sampler).", ("FLUXLOOP_SAMPLE_RATE",), parse_rate),
    Option(
        "capture_content",
        True,
        "Record inputs, outputs, messages, tool arguments/results and documents.",
        ("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "FLUXLOOP_CAPTURE_CONTENT"),
        parse_bool,
    ),
    Option(
        "otlp_capture_content",
        True,
        "Send content to the OTLP backend too; `False` keeps it in the local JSONL files only.",
        ("FLUXLOOP_OTLP_CAPTURE_CONTENT",),
        parse_bool,
    ),
    Option(
        "max_content_chars",
        20000,
        "Cap on every captured value (like the FluxLoop runner's `output_char_limit`).",
        ("FLUXLOOP_MAX_CONTENT_CHARS",),
        parse_positive_int,
    ),
    Option(
        "mask_secrets",
        True,
        "Mask values under secret-looking keys and strings that look like API keys or bearer tokens.",
        ("FLUXLOOP_MASK_SECRETS",),
        parse_bool,
    ),
    Option("secret_keys", (), "Extra key substrings to mask (comma-separated in the environment).", ("FLUXLOOP_SECRET_KEYS",), parse_list),
    Option("redact", None, "Hook `redact(value, field) -> value` applied to all captured content."),
    Option(
        "otlp_endpoint",
        None,
        "OTLP endpoint; export is on when set here or by `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`. "
        "An http/protobuf URL without a path gets `/v1/traces`.",
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
        str,
    ),
    Option(
        "otlp_protocol",
        "http/protobuf",
        "`http/protobuf` or `grpc`.",
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"),
        parse_protocol,
    ),
    Option("otlp_headers", None, "Extra OTLP headers (dict); the exporter also reads `OTEL_EXPORTER_OTLP_HEADERS`."),
    Option(
        "instrument_langchain",
        True,
        "Switch on LangChain/LangGraph auto-instrumentation when langchain-core is importable.",
        ("FLUXLOOP_INSTRUMENT_LANGCHAIN",),
        parse_bool,
    ),
    Option(
        "langchain_hide_internal",
        False,
        "Leave LangChain's plumbing runnables (sequences, lambdas, LangGraph channel writes) out of the trace; their children keep their parentage.",
        ("FLUXLOOP_LANGCHAIN_HIDE_INTERNAL",),
        parse_bool,
    ),
    Option(
        "instrument_threading",
        True,
        "Switch on `opentelemetry-instrumentation-threading` (context crosses threads and pools).",
        ("FLUXLOOP_INSTRUMENT_THREADING",),
        parse_bool,
    ),
    Option("batch_size", 512, "Records per write of the JSONL writer.", ("FLUXLOOP_BATCH_SIZE",), parse_positive_int),
    Option("flush_interval", 1.0, "Seconds between JSONL writes when traffic is low.", ("FLUXLOOP_FLUSH_INTERVAL",), parse_positive_float),
    Option(
        "max_queue_size",
        20000,
        "Spans queued for the JSONL writer before new ones are dropped (and counted).",
        ("FLUXLOOP_MAX_QUEUE_SIZE",),
        parse_positive_int,
    ),
    Option("file_mode", 0o600, "Permissions of created JSONL files (octal in the environment).", ("FLUXLOOP_FILE_MODE",), parse_mode),
    Option("record_args", False, "Record call arguments for FluxLoop replay.", ("FLUXLOOP_RECORD_ARGS",), parse_bool),
    Option("recording_file", None, "File the argument recorder appends to.", ("FLUXLOOP_RECORDING_FILE",), str),
    Option("tracer_provider", None, "Attach to this SDK TracerProvider instead of the global one."),
    Option(
        "metrics",
        True,
        "Record the GenAI client metrics (`gen_ai.client.*`) when a MeterProvider is available: `meter_provider`, "
        "the global one, or one fluxloop-otel makes with an OTLP metric exporter when export is on.",
        ("FLUXLOOP_METRICS",),
        parse_bool,
    ),
    Option(
        "blob_upload",
        None,
        "Hook `upload(data: bytes, mime_type) -> URI` for images/audio/files in messages longer than `max_content_chars`; "
        "default: write them to `<offline_store_dir>/blobs/` (JSONL files on) and record their file URI; `False`: elide them.",
    ),
    Option("meter_provider", None, "Record GenAI metrics on this MeterProvider instead of the global one."),
    Option(
        "price_table",
        None,
        "Model prices for `llm.cost.*`: a JSON/YAML file, `genai-prices` (the maintained package, if installed), "
        "a dict, or a list of those (comma-separated in the environment); unknown models get no cost.",
        ("FLUXLOOP_PRICE_TABLE",),
        str,
    ),
)

#: FluxLoop SDK options accepted for source compatibility that have no effect here.
IGNORED_SDK_OPTIONS: frozenset[str] = frozenset(
    {"use_collector", "collector_url", "api_key", "timeout", "flush_interval_seconds"}
)

_BY_NAME = {option.name: option for option in OPTIONS}
_ALIASES = {alias: option.name for option in OPTIONS for alias in option.aliases}


@dataclass(frozen=True)
class Settings:
    """Resolved configuration (see :data:`OPTIONS` for meanings)."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)


def _from_environment(option: Option, environ: Mapping[str, str]) -> tuple[bool, Any]:
    for variable in option.env:
        raw = environ.get(variable)
        if raw is None or (raw == "" and option.parse is not parse_bool):
            continue
        try:
            return True, option.parse(raw) if option.parse else raw
        except (TypeError, ValueError) as exc:
            logger.warning("fluxloop-otel: ignoring %s=%r (%s); using the default", variable, raw, exc)
            return False, None
    return False, None


def _normalise_keyword(name: str) -> str:
    if name in _BY_NAME:
        return name
    if name in _ALIASES:
        return _ALIASES[name]
    candidates = list(_BY_NAME) + list(_ALIASES)
    close = difflib.get_close_matches(name, candidates, n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise TypeError(f"configure() got an unknown option {name!r}.{hint}")


def resolve_settings(options: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``configure()`` keywords, the environment and defaults."""
    environ = os.environ if environ is None else environ
    given: dict[str, Any] = {}
    for key, value in options.items():
        if key in IGNORED_SDK_OPTIONS:
            logger.debug("fluxloop-otel: configure(%s=...) is a FluxLoop SDK option with no effect here", key)
            continue
        if key == "storage":
            if value not in ("file", None):
                raise ValueError(f"configure(storage={value!r}): only storage='file' is supported")
            given.setdefault("offline_store_enabled", True)
            continue
        name = _normalise_keyword(key)
        option = _BY_NAME[name]
        if value is not None and option.parse is not None and isinstance(value, str) and not isinstance(option.default, str):
            try:
                value = option.parse(value)
            except ValueError as exc:
                raise ValueError(f"configure({key}={value!r}): {exc}") from None
        given[name] = value
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if option.name in given:
            values[option.name] = given[option.name]
            continue
        found, value = _from_environment(option, environ)
        values[option.name] = value if found else option.default
    _validate(values)
    return Settings(values)


def _validate(values: dict[str, Any]) -> None:
    rate = values["sample_rate"]
    if not isinstance(rate, (int, float)) or not 0.0 <= float(rate) <= 1.0:
        raise ValueError(f"sample_rate must be between 0 and 1, got {rate!r}")
    for name in ("max_content_chars", "batch_size", "max_queue_size"):
        if not isinstance(values[name], int) or values[name] < 1:
            raise ValueError(f"{name} must be a positive integer, got {values[name]!r}")
    if values["redact"] is not None and not callable(values["redact"]):
        raise TypeError("redact must be a callable redact(value, field) -> value")
    protocol = values["otlp_protocol"]
    if protocol not in OTLP_PROTOCOLS:
        raise ValueError(f"otlp_protocol must be 'http/protobuf' or 'grpc', got {protocol!r}")


def option_default(name: str) -> Any:
    """The default value of option ``name``."""
    return _BY_NAME[name].default


def option_names() -> list[str]:
    """All option names, in table order."""
    return [option.name for option in OPTIONS]


__all__ = ["OPTIONS", "Option", "Settings", "option_names", "resolve_settings", "fields"]
