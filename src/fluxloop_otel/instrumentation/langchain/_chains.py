"""Chain runs: which ones are agents (LangGraph graphs, AgentExecutor), LangGraph nodes,
internal plumbing, or plain ``chain`` spans; and their attributes."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from opentelemetry.trace import Span

from fluxloop_otel.instrumentation.langchain import _content
from fluxloop_otel.instrumentation.langchain._runs import AGENT, CHAIN, HIDDEN, NODE
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.observation_types import ObservationType, spec_for
from fluxloop_otel.serialization import Serializer

_AGENT_SPEC = spec_for(ObservationType.AGENT)
_CHAIN_SPEC = spec_for(ObservationType.CHAIN)

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
            return HIDDEN
        return NODE
    if metadata and metadata.get("ls_integration") == "langgraph" and "langgraph_node" not in metadata:
        return AGENT  # a compiled graph invoked outside any other graph
    if name in AGENT_NAMES:
        return AGENT
    return CHAIN


def agent_attributes(name: str, metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    _, attributes = _content.static_attributes(_AGENT_SPEC, name)
    session = _content.session_id(metadata)
    if session is not None:
        attributes[A.GEN_AI_CONVERSATION_ID] = session
    return attributes


def start_attributes(
    kind: int,
    name: str,
    inputs: Any,
    tags: Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
    serializer: Serializer,
    capture: bool,
) -> tuple[str, dict[str, Any]]:
    """Span name and start attributes of a chain, agent or node run."""
    if kind == AGENT:
        attributes = agent_attributes(name, metadata)
        span_name = _AGENT_SPEC.span_name(name, None)
    else:
        _, attributes = _content.static_attributes(_CHAIN_SPEC, name)
        span_name = name
        if kind == NODE and metadata:
            node = metadata.get("langgraph_node")
            if isinstance(node, str):
                attributes[A.LANGGRAPH_NODE] = node
            step = metadata.get("langgraph_step")
            if type(step) is int:
                attributes[A.LANGGRAPH_STEP] = step
            hook = middleware_hook(name, metadata)
            if hook is not None:
                attributes[A.LANGCHAIN_MIDDLEWARE_NAME], attributes[A.LANGCHAIN_MIDDLEWARE_HOOK] = hook
    attributes.update(_content.shared_attributes(tags, metadata, serializer))
    if capture and not is_placeholder(inputs):
        text, mime = _content.encode(inputs, serializer, "input")
        attributes[A.INPUT_VALUE] = text
        if mime is not None:
            attributes[A.INPUT_MIME_TYPE] = mime
    return span_name, attributes


def promote_to_agent(span: Span, name: str, metadata: Mapping[str, Any] | None) -> None:
    """A chain found to be a LangGraph graph (its child is a node run) becomes an ``agent`` span."""
    span.set_attributes(agent_attributes(name, metadata))
    span.update_name(_AGENT_SPEC.span_name(name, None))


def end_attributes(
    outputs: Any, kwargs: Mapping[str, Any], serializer: Serializer, capture: bool, awaiting_input: bool
) -> dict[str, Any]:
    """Output (and a streamed chain's real input, known only at the end)."""
    attributes: dict[str, Any] = {}
    if not capture:
        return attributes
    if outputs is not None:
        text, mime = _content.encode(outputs, serializer, "output")
        attributes[A.OUTPUT_VALUE] = text
        if mime is not None:
            attributes[A.OUTPUT_MIME_TYPE] = mime
    inputs = kwargs.get("inputs") if awaiting_input else None
    if inputs is not None and not is_placeholder(inputs):
        text, mime = _content.encode(inputs, serializer, "input")
        attributes[A.INPUT_VALUE] = text
        if mime is not None:
            attributes[A.INPUT_MIME_TYPE] = mime
    return attributes


def is_placeholder(inputs: Any) -> bool:
    """LangChain starts streamed chains with ``{"input": ""}`` and reports the input at the end."""
    return type(inputs) is dict and len(inputs) == 1 and inputs.get("input") == ""
