"""Chain runs: which ones are agents (LangGraph graphs, AgentExecutor), LangGraph nodes,
internal plumbing, or plain ``chain`` steps; and their records."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fluxloop_otel.instrumentation.langchain._content import run_fields, session_id
from fluxloop_otel.instrumentation.langchain._runs import AGENT, CHAIN, HIDDEN, NODE
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry import AgentInvocation, Invocation, StepInvocation

#: LangChain / LangGraph runnables that only route data between the steps users wrote.
PLUMBING_NAMES = frozenset(
    {
        "RunnableSequence",
        "RunnableParallel",
        "RunnableLambda",
        "RunnablePassthrough",
        "RunnableAssign",
        "RunnablePick",
        "RunnableEach",
        "RunnableBinding",
        "RunnableCallable",
        "RunnableSeq",
        "ChannelWrite",
        "ChannelRead",
        "ChannelInvoke",
        "__start__",
        "_write",
        "_route",
        "<lambda>",
    }
)
PLUMBING_PREFIXES = (
    "RunnableParallel<",
    "RunnableAssign<",
    "ChannelWrite<",
    "RunnableSequence<",
    "RunnablePick<",
)
#: Chain names that are agents in their own right.
AGENT_NAMES = frozenset({"AgentExecutor"})
_GRAPH_STEP_TAG = "graph:step:"


#: ``create_agent`` middleware hooks that run as graph nodes named ``{middleware}.{hook}``.
MIDDLEWARE_HOOKS = frozenset({"before_agent", "before_model", "after_model", "after_agent"})
_CREATE_AGENT = "langchain_create_agent"


def middleware_hook(name: str, metadata: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """``(middleware, hook)`` when a LangGraph node run is a ``create_agent`` middleware hook."""
    if not metadata or metadata.get("ls_integration") != _CREATE_AGENT:
        return None
    middleware, _, hook = name.rpartition(".")
    return (middleware, hook) if middleware and hook in MIDDLEWARE_HOOKS else None


def is_plumbing(name: str) -> bool:
    return name in PLUMBING_NAMES or name.startswith(PLUMBING_PREFIXES)


def run_name(serialized: Mapping[str, Any] | None, kwargs: Mapping[str, Any], default: str) -> str:
    """The run's name: ``run_name``/``name`` given to LangChain, else the serialized class name."""
    name = kwargs.get("name")
    if isinstance(name, str) and name:
        return name
    if serialized:
        name = serialized.get("name")
        if isinstance(name, str) and name:
            return name
        ids = serialized.get("id")
        if isinstance(ids, (list, tuple)) and ids and isinstance(ids[-1], str):
            return ids[-1]
    return default


def is_graph_step(tags: Sequence[str] | None) -> bool:
    """Whether a run is a LangGraph node run (LangGraph tags them ``graph:step:N``)."""
    if tags:
        for tag in tags:
            if type(tag) is str and tag.startswith(_GRAPH_STEP_TAG):
                return True
    return False


def chain_kind(
    name: str,
    tags: Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
    is_child: bool,
    hide_plumbing: bool,
) -> int:
    """What a chain run becomes: AGENT, NODE, HIDDEN or CHAIN."""
    if hide_plumbing and is_child and is_plumbing(name):
        return HIDDEN
    if is_graph_step(tags):
        if hide_plumbing and middleware_hook(name, metadata) is not None:
            return HIDDEN  # create_agent middleware hooks are plumbing too
        return NODE
    if metadata and metadata.get("ls_integration") == "langgraph" and "langgraph_node" not in metadata:
        return AGENT  # a compiled graph invoked outside any other graph
    if name in AGENT_NAMES:
        return AGENT
    return CHAIN


def start_record(kind: int, name: str, inputs: Any, tags: Sequence[str] | None, metadata: Mapping[str, Any] | None) -> Invocation:
    """The record of a chain, agent or LangGraph node run."""
    fields = run_fields(tags, metadata)
    session = fields.session_id
    record: Invocation
    if kind == AGENT:
        record = AgentInvocation(name)
        session = session or session_id(metadata)
    else:
        record = StepInvocation(name)
        if kind == NODE and metadata:
            node_attributes: dict[str, Any] = {}
            node = metadata.get("langgraph_node")
            if isinstance(node, str):
                node_attributes[A.LANGGRAPH_NODE] = node
            step = metadata.get("langgraph_step")
            if type(step) is int:
                node_attributes[A.LANGGRAPH_STEP] = step
            hook = middleware_hook(name, metadata)
            if hook is not None:
                node_attributes[A.LANGCHAIN_MIDDLEWARE_NAME], node_attributes[A.LANGCHAIN_MIDDLEWARE_HOOK] = hook
            record.attributes = node_attributes or None
    record.tags = fields.tags
    record.metadata = fields.metadata
    record.session_id = session
    record.user_id = fields.user_id
    if not is_placeholder(inputs):
        record.input = inputs
    return record


def is_placeholder(inputs: Any) -> bool:
    """LangChain starts streamed chains with ``{"input": ""}`` and reports the input at the end."""
    return type(inputs) is dict and len(inputs) == 1 and inputs.get("input") == ""
