"""The ``fluxloop_traces`` fixture (pytest11 plugin): spans and FluxLoop records in memory, no ./traces."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

AGENT_TEST = '''
import fluxloop_otel as fl
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage


@fl.tool()
def lookup(city: str) -> str:
    return "sunny"


@fl.agent()
def weather_agent(question: str) -> str:
    model = GenericFakeChatModel(messages=iter([AIMessage("It is sunny.", usage_metadata={"input_tokens": 5, "output_tokens": 4, "total_tokens": 9})]))
    lookup("Paris")
    return model.invoke(question).content


def test_agent_trace(fluxloop_traces):
    with fl.instrument("weather"):
        assert weather_agent("Weather in Paris?") == "It is sunny."
    names = [span.name for span in fluxloop_traces.spans]
    assert names[-1] == "invoke_workflow weather" and "invoke_agent weather_agent" in names
    assert [o["type"] for o in fluxloop_traces.observations] == ["tool", "generation", "agent"]
    assert fluxloop_traces.observation("GenericFakeChatModel")["total_tokens"] == 9
    assert fluxloop_traces.observation("weather_agent")["output"] == "It is sunny."
    (trace,) = fluxloop_traces.traces
    assert trace["name"] == "weather" and {o["trace_id"] for o in fluxloop_traces.observations} == {trace["id"]}


def test_each_test_starts_empty(fluxloop_traces):
    assert fluxloop_traces.spans == [] and fluxloop_traces.observations == []
'''


def test_fixture_gives_spans_and_records_and_writes_no_files(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_agent=AGENT_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert not (Path(pytester.path) / "traces").exists()
    assert not list(Path(pytester.path).rglob("*.jsonl"))


def test_fixture_restores_the_configuration_in_force(tracing) -> None:
    import fluxloop_otel as fl
    from fluxloop_otel.testing import capture_traces

    with capture_traces() as captured:
        @fl.tool()
        def inner() -> str:
            return "x"

        inner()
    assert [s.name for s in captured.spans] == ["execute_tool inner"]

    @fl.tool()
    def outer() -> str:
        return "y"

    outer()
    assert [s.name for s in tracing.spans()] == ["execute_tool outer"]  # back on the test's own provider
    assert [r["name"] for r in tracing.observations()] == ["outer"]
