"""configure() uses the threading instrumentation when installed and goes on quietly without it."""

from __future__ import annotations

import logging
import sys

import pytest

from fluxloop_otel.config import threads


def test_without_the_threading_extra_configure_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(
        sys.modules, "opentelemetry.instrumentation.threading", None
    )  # import raises ImportError
    caplog.set_level(logging.DEBUG, logger="fluxloop_otel")
    assert threads.instrument_threads() is False
    assert not threads.threading_instrumentation_available()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "fluxloop-otel[threading]" in caplog.text


def test_with_the_threading_extra_it_is_switched_on() -> None:
    pytest.importorskip("opentelemetry.instrumentation.threading")
    from opentelemetry.instrumentation.threading import ThreadingInstrumentor

    assert threads.instrument_threads() is True
    assert ThreadingInstrumentor().is_instrumented_by_opentelemetry
