"""Every ``configure()`` option and the environment variables it reads: one table, read in one place.

Precedence: a ``configure()`` argument, then the first environment variable that is set,
then the default. This module is the only one that reads fluxloop-otel's environment
variables (:func:`resolve_settings`, :func:`setting_from_environment`); the README's
configuration table is generated from :data:`OPTIONS` and checked by a test.

A bad value never breaks the program: it gets one warning per process naming the variable,
the value and what was used instead. Privacy switches fail closed (a value we do not
understand captures nothing).
"""

from __future__ import annotations

import difflib
import logging
import os
import threading
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping

from fluxloop_otel.telemetry.policy import NOTHING, ContentMode, ContentPolicy
from fluxloop_otel.telemetry.policy import parse_mode as parse_content_mode

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


def parse_file_mode(text: str) -> int:
    """File permissions, octal (``600``, ``0o600``)."""
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
    """One configure() option.

    ``fail_closed``: the value used when the environment holds one we do not understand
    (privacy switches); otherwise the default is used.
    """

    name: str
    default: Any
    doc: str
    env: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None
    aliases: tuple[str, ...] = ()
    fail_closed: Any = None


CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
LOCAL_CAPTURE_ENV = "FLUXLOOP_CAPTURE_CONTENT"

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
        "Record inputs, outputs, messages, tool arguments/results and documents: `True`/`False` or a GenAI mode "
        "(`NO_CONTENT`, `SPAN_ONLY`, `EVENT_ONLY`, `SPAN_AND_EVENT`; see docs/configuration.md). "
        "A value not understood captures nothing.",
        (CAPTURE_ENV, LOCAL_CAPTURE_ENV),
        parse_content_mode,  # the environment goes through _content_mode: two variables, their own rules
        fail_closed=False,
    ),
    Option(
        "otlp_capture_content",
        True,
        "Send content to the OTLP backend too; `False` keeps it in the local JSONL files only.",
        ("FLUXLOOP_OTLP_CAPTURE_CONTENT",),
        parse_bool,
        fail_closed=False,
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
        fail_closed=True,
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
        "instrument_nat",
        True,
        "Switch on NVIDIA NeMo Agent Toolkit auto-instrumentation when nvidia-nat-core is importable.",
        ("FLUXLOOP_INSTRUMENT_NAT",),
        parse_bool,
    ),
    Option(
        "instrument_agnt5",
        True,
        "Switch on AGNT5 auto-instrumentation when agnt5 is importable (before your modules use its decorators).",
        ("FLUXLOOP_INSTRUMENT_AGNT5",),
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
    Option("file_mode", 0o600, "Permissions of created JSONL files (octal in the environment).", ("FLUXLOOP_FILE_MODE",), parse_file_mode),
    Option("record_args", False, "Record call arguments for FluxLoop replay.", ("FLUXLOOP_RECORD_ARGS",), parse_bool),
    Option("recording_file", None, "File the argument recorder appends to.", ("FLUXLOOP_RECORDING_FILE",), str),
    Option(
        "flush_on_sigterm",
        False,
        "Flush on SIGTERM, then let the signal do what it did before (see `flush_on_sigterm()`).",
        ("FLUXLOOP_FLUSH_ON_SIGTERM",),
        parse_bool,
    ),
    Option("tracer_provider", None, "Attach to this SDK TracerProvider instead of the global one."),
)

#: FluxLoop SDK options accepted for source compatibility that have no effect here.
IGNORED_SDK_OPTIONS: frozenset[str] = frozenset(
    {"use_collector", "collector_url", "api_key", "timeout", "flush_interval_seconds"}
)

_BY_NAME = {option.name: option for option in OPTIONS}
_ALIASES = {alias: option.name for option in OPTIONS for alias in option.aliases}


@dataclass(frozen=True)
class Settings:
    """The configuration in force: every option resolved (see :data:`OPTIONS`), plus where each came from."""

    enabled: bool = True
    debug: bool = False
    service_name: str = "fluxloop-agent"
    environment: str | None = None
    offline_store_enabled: bool = True
    offline_store_dir: str = "./traces"
    daily_files: bool = False
    include_foreign_spans: bool = True
    sample_rate: float = 1.0
    #: Whether content is captured at all (see :attr:`content_policy` for where it goes).
    capture_content: bool = True
    otlp_capture_content: bool = True
    max_content_chars: int = 20000
    mask_secrets: bool = True
    secret_keys: tuple[str, ...] = ()
    redact: Callable[[Any, str], Any] | None = None
    otlp_endpoint: str | None = None
    otlp_protocol: str = "http/protobuf"
    otlp_headers: Mapping[str, str] | None = None
    instrument_langchain: bool = True
    instrument_nat: bool = True
    instrument_agnt5: bool = True
    langchain_hide_internal: bool = False
    instrument_threading: bool = True
    batch_size: int = 512
    flush_interval: float = 1.0
    max_queue_size: int = 20000
    file_mode: int = 0o600
    record_args: bool = False
    recording_file: str | None = None
    flush_on_sigterm: bool = False
    tracer_provider: Any = None
    #: The GenAI content mode in force (``None``: the default, no mode named).
    content_mode: ContentMode | None = None
    #: Where each option's value came from: ``argument``, ``env NAME`` or ``default``.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    #: Environment values that were not understood, and what was used instead (one line each).
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def content_policy(self) -> ContentPolicy:
        """Where content goes (spans, OTLP, log events), from the mode and the two switches."""
        if not self.capture_content:
            return NOTHING
        if self.content_mode is None:
            return ContentPolicy(record=True, otlp=self.otlp_capture_content, events=False)
        policy = ContentPolicy.for_mode(self.content_mode, local_opt_in=True)
        return ContentPolicy(record=True, otlp=policy.otlp and self.otlp_capture_content, events=policy.events)

    @property
    def values(self) -> dict[str, Any]:
        return self.as_dict()

    def as_dict(self) -> dict[str, Any]:
        """Option name -> value (every option of :data:`OPTIONS`)."""
        return {option.name: getattr(self, option.name) for option in OPTIONS}

    def source(self, name: str) -> str:
        """Where option ``name`` came from: ``argument``, ``env NAME`` or ``default``."""
        return self.sources.get(name, "default")


# -- warnings, once per process ------------------------------------------------------------------
_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


_problems = threading.local()


def warn_once(variable: str, value: Any, problem: str, used: str) -> None:
    """One warning per process per (variable, value): what was wrong and what was used instead.

    The same line is also collected into the ``problems`` of the settings being resolved.
    """
    message = f"ignoring {variable}={value!r} ({problem}); using {used}"
    collected = getattr(_problems, "lines", None)
    if collected is not None:
        collected.append(message)
    key = (variable, repr(value))
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    logger.warning("fluxloop-otel: %s", message)


def reset_warnings() -> None:
    """Forget which warnings were given (tests)."""
    with _warned_lock:
        _warned.clear()


# -- resolution ----------------------------------------------------------------------------------
def _describe(value: Any) -> str:
    return repr(value) if not isinstance(value, str) or value else "''"


def _from_environment(option: Option, environ: Mapping[str, str]) -> tuple[str | None, Any]:
    """``(variable, value)`` of the first variable set for ``option``; ``(None, None)`` if none is."""
    for variable in option.env:
        raw = environ.get(variable)
        if raw is None or (raw == "" and option.parse is not parse_bool):
            continue
        try:
            return variable, option.parse(raw) if option.parse else raw
        except (TypeError, ValueError) as exc:
            if option.fail_closed is not None:
                warn_once(variable, raw, str(exc), f"{option.fail_closed} (fails closed)")
                return variable, option.fail_closed
            warn_once(variable, raw, str(exc), f"the default {_describe(option.default)}")
            return None, None
    return None, None


def _content_mode(environ: Mapping[str, str]) -> tuple[str | None, bool, ContentMode | None]:
    """Content capture from the environment: ``(source, capture, mode)``.

    ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` names a mode (true/false too);
    ``FLUXLOOP_CAPTURE_CONTENT`` is the local switch: ``false`` captures nothing anywhere,
    ``true`` keeps content in the JSONL under ``NO_CONTENT``. Values not understood capture nothing.
    """
    raw_mode = environ.get(CAPTURE_ENV)
    raw_local = environ.get(LOCAL_CAPTURE_ENV)
    local: bool | None = None
    if raw_local is not None and raw_local.strip() != "":
        try:
            local = parse_bool(raw_local)
        except ValueError as exc:
            warn_once(LOCAL_CAPTURE_ENV, raw_local, str(exc), "false: no content is captured (fails closed)")
            local = False
    mode: ContentMode | None = None
    if raw_mode is not None and raw_mode.strip() != "":
        try:
            mode = parse_content_mode(raw_mode)
        except ValueError as exc:
            warn_once(CAPTURE_ENV, raw_mode, str(exc), "NO_CONTENT (fails closed)")
            mode = ContentMode.NO_CONTENT
    if local is False:
        return f"env {LOCAL_CAPTURE_ENV}", False, mode
    if mode is None:
        return (f"env {LOCAL_CAPTURE_ENV}" if local is not None else None), True, None
    if mode is ContentMode.NO_CONTENT:
        return f"env {CAPTURE_ENV}", bool(local), mode
    return f"env {CAPTURE_ENV}", True, mode


def _capture_argument(value: Any) -> tuple[bool, ContentMode | None]:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (str, ContentMode)):
        mode = parse_content_mode(value.value if isinstance(value, ContentMode) else value)
        return mode is not ContentMode.NO_CONTENT, mode
    raise TypeError(f"capture_content must be True/False or a mode name, got {type(value).__name__}")


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
    """Settings from ``configure()`` keywords (``None`` = not given), the environment and defaults."""
    environ = os.environ if environ is None else environ
    _problems.lines = []
    try:
        return _resolve(options, environ)
    finally:
        _problems.lines = None


def _resolve(options: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
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
        if value is None:
            continue
        option = _BY_NAME[name]
        if option.parse is not None and isinstance(value, str) and not isinstance(option.default, str):
            try:
                value = option.parse(value)
            except ValueError as exc:
                raise ValueError(f"configure({key}={value!r}): {exc}") from None
        given[name] = value
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for option in OPTIONS:
        if option.name == "capture_content":
            continue
        if option.name in given:
            values[option.name], sources[option.name] = given[option.name], "argument"
            continue
        variable, value = _from_environment(option, environ)
        if variable is not None:
            values[option.name], sources[option.name] = value, f"env {variable}"
        else:
            values[option.name] = option.default
    if "capture_content" in given:
        values["capture_content"], values["content_mode"] = _capture_argument(given["capture_content"])
        sources["capture_content"] = "argument"
    else:
        source, values["capture_content"], values["content_mode"] = _content_mode(environ)
        if source is not None:
            sources["capture_content"] = source
    _validate(values)
    return Settings(**values, sources=sources, problems=tuple(getattr(_problems, "lines", None) or ()))


def setting_from_environment(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One option's value from the environment (or its default), for code that has no Settings."""
    if name == "capture_content":
        return _content_mode(os.environ if environ is None else environ)[1]
    option = _BY_NAME[name]
    variable, value = _from_environment(option, os.environ if environ is None else environ)
    return value if variable is not None else option.default


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
    if isinstance(values["secret_keys"], (list, set)):
        values["secret_keys"] = tuple(values["secret_keys"])


def option_default(name: str) -> Any:
    """The default value of option ``name``."""
    return _BY_NAME[name].default


def option_names() -> list[str]:
    """All option names, in table order."""
    return [option.name for option in OPTIONS]


__all__ = [
    "OPTIONS",
    "Option",
    "Settings",
    "fields",
    "option_names",
    "reset_warnings",
    "resolve_settings",
    "setting_from_environment",
    "warn_once",
]
