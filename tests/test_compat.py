"""Every private API fluxloop-otel relies on is still where we expect it (see fluxloop_otel._compat)."""

from __future__ import annotations

import pytest

from fluxloop_otel import _compat


@pytest.mark.parametrize("name", sorted(_compat.PROBES))
def test_private_api_is_present(name: str) -> None:
    assert _compat.PROBES[name](), f"{name} moved or disappeared: update fluxloop_otel._compat"


def test_quiet_detach_does_not_log_a_spent_token(caplog: pytest.LogCaptureFixture) -> None:
    from opentelemetry import context

    token = context.attach(context.set_value("k", 1))
    context.detach(token)
    with pytest.raises((RuntimeError, ValueError)):
        _compat.quiet_detach(token)  # the runtime context raises; unlike context.detach, nothing is logged
    assert "Failed to detach context" not in caplog.text


def test_readable_span_fields_fall_back_to_the_public_properties() -> None:
    """A span type without the SDK's fields (another SDK, a test double) is read through its properties."""
    from types import SimpleNamespace

    from opentelemetry.trace import SpanContext, StatusCode

    context = SpanContext(trace_id=7, span_id=9, is_remote=False)
    span = SimpleNamespace(
        context=context, parent=None, name="n", start_time=1, end_time=2, attributes={"k": "v"},
        status=SimpleNamespace(status_code=StatusCode.OK, description=None), events=(),
        instrumentation_scope=SimpleNamespace(name="scope"),
    )
    assert _compat.readable_span_fields(span) == (7, 9, None, "n", 1, 2, {"k": "v"}, StatusCode.OK, None, (), "scope")
