"""The FluxLoop SDK bridge in-process: trace ids, flush on ``EventBuffer.flush``, errors, safety."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import types
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import fluxloop
import pytest
from fluxloop.buffer import EventBuffer
from opentelemetry.trace import StatusCode

import fluxloop_otel as fl
from fluxloop_otel.integrations import fluxloop_sdk as bridge
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.ids import workflow_root_span_id


@fl.tool()
def double(value: int) -> int:
    return value * 2


@fl.agent(name="bridge_agent")
def agent(input: str) -> str:
    if "fail" in input:
        raise ValueError("agent failed")
    return f"{input}:{double(len(input))}"


@pytest.fixture(autouse=True)
def sdk_offline(tmp_path: Path) -> None:
    """The SDK writes offline (no collector) into this test's directory."""
    fluxloop.configure(
        use_collector=False, offline_store_enabled=True, offline_store_dir=str(tmp_path / "sdk")
    )


def test_sdk_is_bridged() -> None:
    assert bridge.is_patched()
    assert isinstance(fluxloop.context.FluxLoopContext.__dict__["finalize"], bridge.wrapt.FunctionWrapper)


def test_spans_carry_the_sdk_trace_id(tracing: Any) -> None:
    with fluxloop.instrument("exp_iter0") as ctx:
        sdk_trace_id = str(ctx.trace.id)
        assert fl.get_current_context().trace_id == sdk_trace_id
        assert agent("hello") == "hello:10"
        ctx.add_metadata("iteration", 0)
    records = tracing.observations()
    assert {r["trace_id"] for r in records} == {sdk_trace_id}
    root = next(r for r in records if r["type"] == "agent")
    assert "parent_observation_id" not in root, "top-level observations have no parent, as in the SDK"
    assert next(r for r in records if r["type"] == "tool")["parent_observation_id"] == root["id"]
    assert tracing.traces() == [], "the SDK writes the trace line, not us"
    span = tracing.span("invoke_workflow exp_iter0")
    assert span.context.trace_id == uuid.UUID(sdk_trace_id).int
    assert span.context.span_id == workflow_root_span_id(span.context.trace_id)
    assert span.attributes[A.FLUXLOOP_TRACE_EXTERNAL] is True
    assert json.loads(span.attributes[A.METADATA]) == {"iteration": 0}, (
        "metadata the CLI adds reaches OTel backends"
    )


def test_event_buffer_flush_writes_our_observations(tracing: Any, tmp_path: Path) -> None:
    directory = tmp_path / "slow"
    # A writer that would wait a minute on its own: only the EventBuffer.flush hook can write in time.
    fl.configure(
        tracer_provider=tracing.provider,
        offline_store_dir=str(directory),
        flush_interval=60,
        batch_size=10_000,
    )
    with fluxloop.instrument("exp_iter1") as ctx:
        agent("flush me")
    observations = directory / "observations.jsonl"
    assert not observations.exists() or not observations.read_text()
    EventBuffer.get_instance().flush()
    lines = [json.loads(line) for line in observations.read_text().splitlines()]
    assert {line["trace_id"] for line in lines} == {str(ctx.trace.id)} and len(lines) == 2


def test_block_error_ends_the_root_span_with_it(tracing: Any) -> None:
    with pytest.raises(ValueError):
        with fluxloop.instrument("exp_fail"):
            agent("please fail")
    span = tracing.span("invoke_workflow exp_fail")
    assert span.status.status_code is StatusCode.ERROR and span.status.description == "agent failed"
    assert [r["error"] for r in tracing.observations() if r["type"] == "agent"] == ["agent failed"]


def test_handled_outer_exception_is_not_the_blocks_error(tracing: Any) -> None:
    try:
        raise KeyError("handled before the block")
    except KeyError:
        with fluxloop.instrument("exp_clean"):
            agent("ok")
    assert tracing.span("invoke_workflow exp_clean").status.status_code is not StatusCode.ERROR


def test_sync_agent_in_a_thread_with_copied_context(tracing: Any) -> None:
    # What the CLI does: loop.run_in_executor(None, lambda: ctx.run(agent, ...)).
    with fluxloop.instrument("exp_thread") as ctx:
        copied = contextvars.copy_context()
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(copied.run, agent, "threaded").result() == "threaded:16"
    assert {r["trace_id"] for r in tracing.observations()} == {str(ctx.trace.id)}


def test_our_instrument_inside_the_sdk_block_is_a_child(tracing: Any) -> None:
    with fluxloop.instrument("exp_nested") as ctx:
        with fl.instrument("inner step"):
            agent("nested")
    records = tracing.observations()
    assert {r["trace_id"] for r in records} == {str(ctx.trace.id)}
    inner = next(r for r in records if r["name"] == "inner step")
    assert inner["type"] == "span" and "parent_observation_id" not in inner


def test_disabled_tracing_leaves_the_sdk_alone(tracing: Any) -> None:
    fl.configure(enabled=False)
    with fluxloop.instrument("exp_off"):
        assert agent("off") == "off:6"
    assert tracing.spans() == []


def test_bridge_failure_never_breaks_the_sdk_block(
    tracing: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Any:
        raise RuntimeError("runtime unavailable")

    monkeypatch.setattr(bridge._runtime, "get", broken)
    monkeypatch.setattr(bridge, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="fluxloop_otel.integrations"):
        with fluxloop.instrument("exp_broken") as ctx:
            ctx.add_metadata("still", "works")
    assert "could not join the FluxLoop SDK trace" in caplog.text


def test_a_different_fluxloop_package_is_not_patched(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bridge.unpatch_sdk()
    try:
        assert not bridge.is_patched()
        monkeypatch.setitem(sys.modules, "fluxloop.context", types.ModuleType("fluxloop.context"))
        monkeypatch.setattr(bridge, "_warned", set())
        with caplog.at_level(logging.WARNING, logger="fluxloop_otel.integrations"):
            assert bridge.patch_sdk() is False
        assert not bridge.is_patched() and "not bridged" in caplog.text
        assert agent("still traced") == "still traced:24"
    finally:
        monkeypatch.undo()
        assert bridge.patch_sdk() is True


def test_warns_when_our_directory_is_not_the_sdks(
    tracing: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bridge, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="fluxloop_otel.integrations"):
        with fluxloop.instrument("exp_elsewhere"):
            agent("x")
    assert (
        f"observations go to {tracing.directory} but the FluxLoop SDK writes (and `fluxloop run` reads) {tmp_path / 'sdk'}"
        in caplog.text
    )
    caplog.clear()
    fluxloop.configure(offline_store_dir=str(tracing.directory))
    monkeypatch.setattr(bridge, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="fluxloop_otel.integrations"):
        with fluxloop.instrument("exp_same"):
            agent("x")
    assert caplog.text == ""
