"""Real LangChain / LangGraph objects for the tests: fake models, a retriever, tools, graphs."""

from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable

MODEL_NAME = "fake-tool-model"
USAGE = {"input_tokens": 12, "output_tokens": 5, "total_tokens": 17}


class ToolCallingModel(BaseChatModel):
    """Asks for ``calls`` on the first turn; answers with the tool results once they are in."""

    model_name: str = MODEL_NAME
    temperature: float = 0.2
    calls: list[dict[str, Any]] = []

    @property
    def _llm_type(self) -> str:
        return "tool-calling-fake"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, BaseMessage]:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        results = [m.content for m in messages if m.type == "tool"]
        if not results and self.calls:
            message = AIMessage(
                "",
                tool_calls=[{**call, "id": f"call_{i}"} for i, call in enumerate(self.calls)],
                usage_metadata=dict(USAGE),  # type: ignore[arg-type]
                response_metadata={"model_name": MODEL_NAME, "finish_reason": "tool_calls"},
            )
        else:
            message = AIMessage(
                "Answer: " + "; ".join(str(r) for r in results),
                usage_metadata=dict(USAGE),  # type: ignore[arg-type]
                response_metadata={"model_name": MODEL_NAME, "finish_reason": "stop"},
            )
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        return self._generate(messages, stop, None, **kwargs)


class KeywordRetriever(BaseRetriever):
    """Returns the ``k`` documents sharing most words with the query."""

    documents: list[Document]
    k: int = 3

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        words = set(query.lower().split())
        scored = []
        for document in self.documents:
            score = len(words & set(document.page_content.lower().split())) / max(len(words), 1)
            scored.append(
                Document(
                    page_content=document.page_content,
                    metadata={**document.metadata, "score": score},
                    id=document.id,
                )
            )
        scored.sort(key=lambda d: -d.metadata["score"])
        return scored[: self.k]


CORPUS = [
    Document(page_content="Paris is the capital of France", metadata={"source": "atlas"}, id="doc-1"),
    Document(page_content="Berlin is the capital of Germany", metadata={"source": "atlas"}, id="doc-2"),
    Document(page_content="The Seine flows through Paris", metadata={"source": "rivers"}, id="doc-3"),
    Document(page_content="Bread is sold in bakeries", metadata={"source": "food"}, id="doc-4"),
]


def retriever() -> KeywordRetriever:
    return KeywordRetriever(documents=CORPUS)


def chat_model(text: str = "Paris is the capital of France.") -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=itertools.repeat(AIMessage(text)))


def prompt_chain(model: Any = None) -> Runnable[Any, str]:
    """``prompt | model | parser``."""
    prompt = ChatPromptTemplate.from_messages([("system", "You are terse."), ("human", "{question}")])
    return prompt | (model or chat_model()) | StrOutputParser()


def span_tree(spans: Sequence[Any], describe: Callable[[Any], str] = lambda s: s.name) -> list[str]:
    """Indented lines of a span forest, children in start order (for readable assertions)."""
    by_parent: dict[Any, list[Any]] = {}
    ids = {s.context.span_id for s in spans}
    for span in sorted(spans, key=lambda s: s.start_time):
        parent = span.parent.span_id if span.parent is not None and span.parent.span_id in ids else None
        by_parent.setdefault(parent, []).append(span)
    lines: list[str] = []

    def walk(parent: Any, depth: int) -> None:
        for child in by_parent.get(parent, []):
            lines.append("  " * depth + describe(child))
            walk(child.context.span_id, depth + 1)

    walk(None, 0)
    return lines
