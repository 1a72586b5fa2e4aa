"""``access.getter`` answers exactly as ``access.get`` does, whatever it reads from."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, ConfigDict

from fluxloop_otel.telemetry.access import get, getter

KEYS = ("type", "content", "name", "tool_calls", "tool_call_id", "role", "shout")


class WithProperty(BaseModel):
    content: str = "plain"

    @property
    def shout(self) -> str:  # not a field: only getattr finds it
        return self.content.upper()


class Extra(BaseModel):
    model_config = ConfigDict(extra="allow")
    content: str = "x"


@pytest.mark.parametrize(
    "source",
    [
        {"content": "hi", "role": "user"},
        HumanMessage("hi", name="ada"),
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "1"}]),
        ToolMessage("42", tool_call_id="1"),
        WithProperty(),
        Extra(role="user"),
        SimpleNamespace(content="ns", role="assistant"),
    ],
    ids=lambda source: type(source).__name__,
)
def test_getter_reads_what_get_reads(source: Any) -> None:
    read = getter(source, KEYS)
    assert {key: read(key) for key in KEYS} == {key: get(source, key) for key in KEYS}


def test_getter_reads_a_model_field_from_the_instance_dict() -> None:
    message = HumanMessage("hi")
    assert getter(message, ("content",)).__self__ is message.__dict__  # type: ignore[attr-defined]
