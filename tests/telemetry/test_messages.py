"""System instructions, tool definitions and multimodal parts, from LangChain and the decorators."""

from __future__ import annotations

import json
from typing import Any, Sequence

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool

import fluxloop_otel as fl
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.telemetry import messages as M

PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


@tool
def get_weather(city: str) -> str:
    """Weather in a city."""
    return f"sunny in {city}"


class ToolBindingFake(GenericFakeChatModel):
    """Binds tools as ChatOpenAI does: OpenAI tool dicts in the invocation parameters."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)


def test_tool_definitions_and_system_instructions_from_langchain(tracing) -> None:
    model = ToolBindingFake(messages=iter([AIMessage("ok")])).bind_tools([get_weather])
    model.invoke([SystemMessage("You are terse."), HumanMessage("Weather in Paris?")])
    attributes = tracing.span("chat ToolBindingFake").attributes
    definitions = json.loads(attributes[A.GEN_AI_TOOL_DEFINITIONS])
    assert definitions == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather in a city.",
            "parameters": {"properties": {"city": {"type": "string"}}, "required": ["city"], "type": "object"},
        }
    ]
    schema = json.loads(attributes["llm.tools.0.tool.json_schema"])  # Phoenix's "N tools" and Tools tab
    assert schema["type"] == "function" and schema["function"]["name"] == "get_weather"
    assert json.loads(attributes[A.GEN_AI_SYSTEM_INSTRUCTIONS]) == [{"type": "text", "content": "You are terse."}]
    assert [m["role"] for m in json.loads(attributes[A.GEN_AI_INPUT_MESSAGES])] == ["user"]


def test_no_tool_definitions_or_instructions_without_content_capture(tracing) -> None:
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), capture_content=False)
    model = ToolBindingFake(messages=iter([AIMessage("ok")])).bind_tools([get_weather])
    model.invoke([SystemMessage("secret instructions"), HumanMessage("hi")])
    attributes = tracing.span("chat ToolBindingFake").attributes
    assert A.GEN_AI_TOOL_DEFINITIONS not in attributes and A.GEN_AI_SYSTEM_INSTRUCTIONS not in attributes
    assert not any(key.startswith("llm.tools.") for key in attributes)


def test_decorated_prompt_reads_tools_argument(tracing) -> None:
    @fl.prompt(model="m")
    def ask(messages: list, tools: list) -> str:
        return "ok"

    anthropic_tool = {"name": "search", "description": "Search the web", "input_schema": {"type": "object", "properties": {}}}
    ask([{"role": "user", "content": "hi"}], tools=[anthropic_tool])
    definitions = json.loads(tracing.span("chat m").attributes[A.GEN_AI_TOOL_DEFINITIONS])
    assert definitions == [{"type": "function", "name": "search", "description": "Search the web", "parameters": {"type": "object", "properties": {}}}]


def test_multimodal_parts_of_langchain_messages() -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
            {"type": "image", "base64": PIXEL, "mime_type": "image/png"},  # v1 standard block
            {"type": "audio", "url": "https://example.com/a.wav", "mime_type": "audio/wav"},
            {"type": "file", "file_id": "file-123", "mime_type": "application/pdf"},
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        ]
    )
    parts = M.genai_message(message)["parts"]
    assert parts == [
        {"type": "text", "content": "What is this?"},
        {"type": "blob", "modality": "image", "content": PIXEL, "mime_type": "image/png"},
        {"type": "uri", "modality": "image", "uri": "https://example.com/cat.jpg"},
        {"type": "blob", "modality": "image", "content": PIXEL, "mime_type": "image/png"},
        {"type": "uri", "modality": "audio", "uri": "https://example.com/a.wav", "mime_type": "audio/wav"},
        {"type": "file", "modality": "file", "file_id": "file-123", "mime_type": "application/pdf"},
        {"type": "blob", "modality": "audio", "content": "UklGRg==", "mime_type": "audio/wav"},
    ]


def test_anthropic_image_block() -> None:
    block = {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": PIXEL}}
    assert M.media_part(block) == {"type": "blob", "modality": "image", "content": PIXEL, "mime_type": "image/jpeg"}


def _big_image_message() -> HumanMessage:
    import base64

    data = base64.b64encode(bytes(range(256)) * 200).decode()  # 68,268 base64 characters
    return HumanMessage(content=[{"type": "text", "text": "look"}, {"type": "image", "base64": data, "mime_type": "image/png"}])


def test_large_blob_written_next_to_the_jsonl_files_and_referenced_by_uri(tracing) -> None:
    import base64
    from pathlib import Path
    from urllib.parse import urlparse

    model = GenericFakeChatModel(messages=iter([AIMessage("a cat")]))
    model.invoke([_big_image_message()])
    messages = json.loads(tracing.span("chat GenericFakeChatModel").attributes[A.GEN_AI_INPUT_MESSAGES])
    part = messages[0]["parts"][1]
    assert part["type"] == "uri" and part["modality"] == "image" and part["mime_type"] == "image/png"
    path = Path(urlparse(part["uri"]).path)
    assert path.parent == (tracing.directory / "blobs").absolute() and path.suffix == ".png"
    assert path.read_bytes() == base64.b64decode(_big_image_message().content[1]["base64"])


def test_large_blob_elided_without_upload_and_small_ones_kept(tracing) -> None:
    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), blob_upload=False)
    model = GenericFakeChatModel(messages=iter([AIMessage("a cat"), AIMessage("a pixel")]))
    model.invoke([_big_image_message()])
    model.invoke([HumanMessage(content=[{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}}])])
    big, small = [json.loads(s.attributes[A.GEN_AI_INPUT_MESSAGES])[0]["parts"] for s in tracing.spans() if s.name.startswith("chat")]
    assert big[1] == {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "[68268 base64 characters not exported]"}
    assert small[0]["content"] == PIXEL
    assert not (tracing.directory / "blobs").exists()


def test_custom_upload_hook(tracing) -> None:
    uploaded = []

    def upload(data: bytes, mime_type: str | None) -> str:
        uploaded.append((len(data), mime_type))
        return "s3://bucket/blob-1"

    fl.configure(tracer_provider=tracing.provider, offline_store_dir=str(tracing.directory), blob_upload=upload)
    GenericFakeChatModel(messages=iter([AIMessage("x")])).invoke([_big_image_message()])
    part = json.loads(tracing.span("chat GenericFakeChatModel").attributes[A.GEN_AI_INPUT_MESSAGES])[0]["parts"][1]
    assert part == {"type": "uri", "modality": "image", "uri": "s3://bucket/blob-1", "mime_type": "image/png"}
    assert uploaded == [(51200, "image/png")]
