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
