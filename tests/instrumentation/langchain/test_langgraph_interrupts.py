"""Human in the loop: a paused run is not an error and records its interrupt; the resumed run is a
new trace linked to the paused one, in the same session; LangGraph's lifecycle callbacks reach
fluxloop-otel as LangGraph intends (a ``GraphCallbackHandler``), without callback errors."""

from __future__ import annotations

import json
import operator
from typing import Annotated, Any

import pytest
from langgraph.callbacks import GraphCallbackHandler
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from opentelemetry.trace import StatusCode
from typing_extensions import TypedDict

from fluxloop_otel.instrumentation.langchain import LangChainInstrumentor
from fluxloop_otel.semconv import attributes as A

from support.lg_support import MODES, run
from support.spans import named


class State(TypedDict):
    question: str
    answers: Annotated[list[str], operator.add]


def approval_graph(name: str = "approval") -> Any:
    """draft -> review (interrupt: asks a human) -> publish."""

    def draft(state: State) -> dict[str, Any]:
        return {"answers": ["draft"]}

    def review(state: State) -> dict[str, Any]:
        verdict = interrupt({"question": state["question"], "draft": "draft"})
        return {"answers": [f"review:{verdict}"]}

    def publish(state: State) -> dict[str, Any]:
        return {"answers": ["published"]}

    graph = StateGraph(State)
    graph.add_node("draft", draft)
    graph.add_node("review", review)
    graph.add_node("publish", publish)
    graph.add_edge(START, "draft")
    graph.add_edge("draft", "review")
    graph.add_edge("review", "publish")
    graph.add_edge("publish", END)
    return graph.compile(checkpointer=InMemorySaver(), name=name)


class Recorder(GraphCallbackHandler):
    """A user's own graph lifecycle handler: it must keep receiving the events."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Any] = []

    def on_interrupt(self, event: Any) -> None:
        self.events.append(event)

    def on_resume(self, event: Any) -> None:
        self.events.append(event)


def roots(tracing: Any) -> list[Any]:
    return sorted((s for s in tracing.spans() if s.parent is None), key=lambda s: s.start_time)


@pytest.mark.parametrize("mode", MODES)
def test_interrupt_then_resume_is_two_linked_traces_in_one_session(tracing: Any, mode: str) -> None:
    app = approval_graph()
    recorder = Recorder()
    config = {"configurable": {"thread_id": f"thread-{mode}"}, "callbacks": [recorder]}
    run(app, {"question": "Ship it?", "answers": []}, config, mode)
    assert app.get_state(config).next == ("review",)
    run(app, Command(resume="approved"), config, mode)
    assert app.get_state(config).values["answers"] == ["draft", "review:approved", "published"]

    paused, resumed = roots(tracing)
    assert paused.name == resumed.name == "invoke_agent approval"
    # the paused run ends without error and says why it stopped
    assert paused.status.status_code != StatusCode.ERROR
    assert paused.attributes[A.LANGGRAPH_INTERRUPTED] is True
    assert paused.attributes[A.LANGGRAPH_INTERRUPT_NODE] == "review"
    assert json.loads(paused.attributes[A.LANGGRAPH_INTERRUPT_VALUE]) == {"question": "Ship it?", "draft": "draft"}
    interrupt_event, resume_event = recorder.events  # the user's handler still gets both
    assert paused.attributes[A.LANGGRAPH_CHECKPOINT_ID] == interrupt_event.checkpoint_id
    assert paused.attributes[A.LANGGRAPH_INTERRUPT_ID] == interrupt_event.interrupts[0].id
    assert [e.name for e in paused.events] == ["langgraph.interrupt"]
    review = next(s for s in named(tracing.spans(), "review") if s.context.trace_id == paused.context.trace_id)
    assert review.status.status_code != StatusCode.ERROR and review.attributes[A.LANGGRAPH_INTERRUPTED] is True

    # the resumed run: a new trace, linked to the paused root, same session
    assert resumed.context.trace_id != paused.context.trace_id
    assert [(link.context.trace_id, link.context.span_id) for link in resumed.links] == [
        (paused.context.trace_id, paused.context.span_id)
    ]
    assert resumed.links[0].attributes[A.LANGGRAPH_CHECKPOINT_ID] == interrupt_event.checkpoint_id
    assert resumed.attributes[A.LANGGRAPH_RESUMED] is True
    assert resumed.attributes[A.LANGGRAPH_CHECKPOINT_ID] == resume_event.checkpoint_id
    assert A.LANGGRAPH_INTERRUPTED not in resumed.attributes
    for root in (paused, resumed):
        assert root.attributes[A.SESSION_ID] == f"thread-{mode}"
        assert root.attributes[A.GEN_AI_CONVERSATION_ID] == f"thread-{mode}"
    resumed_nodes = [s.name for s in tracing.spans() if s.context.trace_id == resumed.context.trace_id]
    assert "review" in resumed_nodes and "publish" in resumed_nodes

    traces = tracing.traces()  # the FluxLoop files: two traces of one session
    assert [(t["name"], t["session_id"]) for t in traces] == [("approval", f"thread-{mode}")] * 2
    handler = LangChainInstrumentor().handler
    assert len(handler.runs) == 0 and handler.book.open_graph_runs() == 0


def test_handler_is_a_graph_callback_handler(tracing: Any) -> None:
    import langgraph.callbacks

    handler = LangChainInstrumentor().handler
    assert isinstance(handler, langgraph.callbacks.GraphCallbackHandler)


def test_a_second_interrupt_links_to_the_latest_pause(tracing: Any) -> None:
    """A graph that asks twice: each resumed run links to the run it resumes."""

    def ask_twice(state: State) -> dict[str, Any]:
        first = interrupt("first?")
        second = interrupt("second?")
        return {"answers": [first, second]}

    graph = StateGraph(State)
    graph.add_node("ask", ask_twice)
    graph.add_edge(START, "ask")
    graph.add_edge("ask", END)
    app = graph.compile(checkpointer=InMemorySaver(), name="twice")
    config = {"configurable": {"thread_id": "t-twice"}}
    app.invoke({"question": "?", "answers": []}, config)
    app.invoke(Command(resume="one"), config)
    app.invoke(Command(resume="two"), config)
    assert app.get_state(config).values["answers"] == ["one", "two"]

    first, second, third = roots(tracing)
    assert json.loads(first.attributes[A.LANGGRAPH_INTERRUPT_VALUE]) == "first?"
    assert json.loads(second.attributes[A.LANGGRAPH_INTERRUPT_VALUE]) == "second?"
    assert second.attributes[A.LANGGRAPH_RESUMED] is True and second.attributes[A.LANGGRAPH_INTERRUPTED] is True
    assert [link.context.span_id for link in second.links] == [first.context.span_id]
    assert [link.context.span_id for link in third.links] == [second.context.span_id]
    assert A.LANGGRAPH_INTERRUPTED not in third.attributes


def test_interrupt_inside_a_subgraph_names_the_inner_node(tracing: Any) -> None:
    def confirm(state: State) -> dict[str, Any]:
        return {"answers": [interrupt("confirm?")]}

    inner = StateGraph(State)
    inner.add_node("confirm", confirm)
    inner.add_edge(START, "confirm")
    inner.add_edge("confirm", END)

    outer = StateGraph(State)
    outer.add_node("checkout", inner.compile(name="checkout_flow"))
    outer.add_edge(START, "checkout")
    outer.add_edge("checkout", END)
    app = outer.compile(checkpointer=InMemorySaver(), name="shop")
    config = {"configurable": {"thread_id": "t-sub"}}
    app.invoke({"question": "?", "answers": []}, config)
    app.invoke(Command(resume="yes"), config)
    assert app.get_state(config).values["answers"] == ["yes"]

    paused, resumed = roots(tracing)
    assert paused.attributes[A.LANGGRAPH_INTERRUPT_NODE] == "confirm"
    assert json.loads(paused.attributes[A.LANGGRAPH_INTERRUPT_VALUE]) == "confirm?"
    assert [link.context.span_id for link in resumed.links] == [paused.context.span_id]
    assert all(s.status.status_code != StatusCode.ERROR for s in tracing.spans())


def test_interrupt_value_is_content(content_off: Any) -> None:
    app = approval_graph()
    config = {"configurable": {"thread_id": "t-private"}}
    app.invoke({"question": "secret plan?", "answers": []}, config)
    app.invoke(Command(resume="ok"), config)
    paused, resumed = roots(content_off)
    assert A.LANGGRAPH_INTERRUPT_VALUE not in paused.attributes
    assert paused.attributes[A.LANGGRAPH_INTERRUPTED] is True
    assert paused.attributes[A.LANGGRAPH_INTERRUPT_NODE] == "review"
    assert [link.context.span_id for link in resumed.links] == [paused.context.span_id]
    assert not any("secret plan" in str(v) for s in content_off.spans() for v in s.attributes.values())


def test_a_new_input_on_a_paused_thread_is_not_a_resumption(tracing: Any) -> None:
    app = approval_graph()
    config = {"configurable": {"thread_id": "t-new"}}
    app.invoke({"question": "first?", "answers": []}, config)
    app.invoke({"question": "start over", "answers": []}, config)  # not a Command(resume=...)
    paused, fresh = roots(tracing)
    assert not fresh.links
    assert A.LANGGRAPH_RESUMED not in fresh.attributes


@pytest.mark.parametrize("mode", ["invoke", "astream"])
def test_static_interrupt_before_a_node_resumed_with_none(tracing: Any, mode: str) -> None:
    """``interrupt_before``: LangGraph pauses before the node; ``invoke(None)`` resumes (no
    ``Command``): the link is made when LangGraph reports the resume."""
    graph = StateGraph(State)
    graph.add_node("draft", lambda state: {"answers": ["draft"]})
    graph.add_node("publish", lambda state: {"answers": ["published"]})
    graph.add_edge(START, "draft")
    graph.add_edge("draft", "publish")
    graph.add_edge("publish", END)
    app = graph.compile(checkpointer=InMemorySaver(), interrupt_before=["publish"], name="gated")
    config = {"configurable": {"thread_id": f"t-static-{mode}"}}
    run(app, {"question": "?", "answers": []}, config, mode)
    assert app.get_state(config).next == ("publish",)
    run(app, None, config, mode)
    assert app.get_state(config).values["answers"] == ["draft", "published"]

    paused, resumed = roots(tracing)
    assert paused.attributes[A.LANGGRAPH_INTERRUPTED] is True
    assert paused.attributes[A.LANGGRAPH_STATUS] == "interrupt_before"
    assert A.LANGGRAPH_INTERRUPT_NODE not in paused.attributes  # no node ran interrupt()
    assert [link.context.span_id for link in resumed.links] == [paused.context.span_id]
    assert resumed.attributes[A.LANGGRAPH_RESUMED] is True
    assert resumed.attributes[A.SESSION_ID] == paused.attributes[A.SESSION_ID]
