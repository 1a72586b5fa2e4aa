"""The content capture table: every setting, where content may go, failing closed."""

from __future__ import annotations

import inspect
import logging

import pytest

import fluxloop_otel as fl
from fluxloop_otel.config.options import OPTIONS, resolve_settings
from fluxloop_otel.telemetry.policy import ContentMode, ContentPolicy

MODE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
LOCAL = "FLUXLOOP_CAPTURE_CONTENT"
NOTHING = ContentPolicy(record=False, otlp=False, events=False)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, ContentPolicy(record=True, otlp=True, events=False)),  # the documented default
        ({MODE: "NO_CONTENT"}, NOTHING),
        ({MODE: "no_content"}, NOTHING),
        ({MODE: "false"}, NOTHING),
        ({MODE: "False"}, NOTHING),
        ({MODE: "NO_CONTENT", LOCAL: "true"}, ContentPolicy(record=True, otlp=False, events=False)),  # local opt-in
        ({MODE: "SPAN_ONLY"}, ContentPolicy(record=True, otlp=True, events=False)),
        ({MODE: "true"}, ContentPolicy(record=True, otlp=True, events=False)),
        ({MODE: "event_only"}, ContentPolicy(record=True, otlp=False, events=True)),
        ({MODE: "SPAN_AND_EVENT"}, ContentPolicy(record=True, otlp=True, events=True)),
        ({MODE: "SPAN_AND_EVENT", LOCAL: "false"}, NOTHING),  # the local switch off: nothing anywhere
        ({LOCAL: "false"}, NOTHING),
        ({LOCAL: "true"}, ContentPolicy(record=True, otlp=True, events=False)),
        ({MODE: "all-of-it"}, NOTHING),  # not understood: fails closed
        ({LOCAL: "maybe"}, NOTHING),
        ({MODE: "SPAN_ONLY", "FLUXLOOP_OTLP_CAPTURE_CONTENT": "false"}, ContentPolicy(record=True, otlp=False, events=False)),
        ({"FLUXLOOP_OTLP_CAPTURE_CONTENT": "nope"}, ContentPolicy(record=True, otlp=False, events=False)),
    ],
)
def test_content_policy_table(environ: dict[str, str], expected: ContentPolicy) -> None:
    assert resolve_settings({}, environ).content_policy == expected


def test_arguments_beat_the_environment_and_accept_modes() -> None:
    assert resolve_settings({"capture_content": False}, {MODE: "SPAN_ONLY"}).content_policy == NOTHING
    settings = resolve_settings({"capture_content": "event_only"}, {MODE: "NO_CONTENT"})
    assert settings.content_mode is ContentMode.EVENT_ONLY
    assert settings.content_policy == ContentPolicy(record=True, otlp=False, events=True)
    with pytest.raises(ValueError, match="NO_CONTENT, SPAN_ONLY"):
        resolve_settings({"capture_content": "sometimes"}, {})


def test_a_bad_value_warns_once_naming_variable_value_and_fallback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="fluxloop_otel"):
        for _ in range(3):
            resolve_settings({}, {MODE: "all-of-it", "FLUXLOOP_SAMPLE_RATE": "lots"})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings
    mode_warning = next(w for w in warnings if MODE in w)
    assert "'all-of-it'" in mode_warning and "NO_CONTENT (fails closed)" in mode_warning
    rate_warning = next(w for w in warnings if "FLUXLOOP_SAMPLE_RATE" in w)
    assert "'lots'" in rate_warning and "the default 1.0" in rate_warning


def test_mask_secrets_fails_closed() -> None:
    assert resolve_settings({}, {"FLUXLOOP_MASK_SECRETS": "sometimes"}).mask_secrets is True


def test_sources_say_where_each_value_came_from() -> None:
    settings = resolve_settings({"offline_store_dir": "/x"}, {"FLUXLOOP_SAMPLE_RATE": "0.5", MODE: "SPAN_ONLY"})
    assert settings.source("offline_store_dir") == "argument"
    assert settings.source("sample_rate") == "env FLUXLOOP_SAMPLE_RATE"
    assert settings.source("capture_content") == f"env {MODE}"
    assert settings.source("batch_size") == "default"


def test_configure_signature_is_the_option_table() -> None:
    parameters = inspect.signature(fl.configure).parameters
    keyword_only = [name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keyword_only == [option.name for option in OPTIONS]
    settings_fields = set(fl.Settings.__dataclass_fields__)
    assert {option.name for option in OPTIONS} <= settings_fields


def test_configure_records_the_policy_on_the_runtime(tmp_path, monkeypatch) -> None:
    from fluxloop_otel.core import runtime

    monkeypatch.setenv(MODE, "EVENT_ONLY")
    fl.configure(offline_store_dir=str(tmp_path), instrument_langchain=False)
    try:
        assert runtime.current is not None
        assert runtime.current.telemetry.policy == ContentPolicy(record=True, otlp=False, events=True)
    finally:
        fl.shutdown()
