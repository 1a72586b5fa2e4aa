"""The ``redact(value, field)`` hook: called once per string leaf, with the leaf's dotted path."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fluxloop_otel.serialization import MASK, Serializer

# JSON-like values; keys without dots so a path names exactly one leaf.
_keys = st.text(st.characters(blacklist_characters=".", blacklist_categories=("Cs",)), max_size=8)
_leaves = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none())
_values = st.recursive(
    _leaves,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=4)),
    max_leaves=20,
)


def _string_leaves(value: Any, path: str) -> dict[str, str]:
    """Every string leaf of a JSON-like value by its dotted path (the contract of the hook)."""
    if isinstance(value, str):
        return {path: value}
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(_string_leaves(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(_string_leaves(item, f"{path}.{index}"))
    return found


@settings(max_examples=200, deadline=None)
@given(_values, st.sampled_from(["input", "output", "metadata", "output.messages"]))
def test_hook_sees_each_string_leaf_once_with_its_path(value: Any, field: str) -> None:
    calls: list[tuple[str, str]] = []

    def hook(leaf: Any, path: str) -> Any:
        calls.append((path, leaf))
        return f"<{len(calls)}>"

    serializer = Serializer(masker=None, redact=hook)
    expected = _string_leaves(Serializer().to_jsonable(value), field)  # masked and capped, as the hook sees them
    result = serializer.to_jsonable(value, field)
    assert sorted(path for path, _ in calls) == sorted(expected)
    assert dict(calls) == expected
    # Each leaf holds what the hook returned for its path; nothing else changed.
    replaced = _string_leaves(result, field)
    assert set(replaced) == set(expected)
    assert all(text.startswith("<") for text in replaced.values())


def test_inputs_and_outputs_are_redacted_alike() -> None:
    """The motivating bug: a hook rewriting strings redacted outputs but not bound-argument inputs."""
    seen: list[str] = []

    def hide_email(value: Any, field: str) -> Any:
        seen.append(field)
        return value.replace("ann@example.com", "<email>") if isinstance(value, str) else value

    serializer = Serializer(redact=hide_email)
    assert json.loads(serializer.dumps({"email": "ann@example.com", "n": 3}, "input")) == {"email": "<email>", "n": 3}
    messages = [{"role": "assistant", "parts": [{"type": "text", "content": "mail ann@example.com"}]}]
    assert "ann@example.com" not in serializer.dumps(messages, "output.messages")
    assert serializer.text("to ann@example.com", "output") == "to <email>"
    assert seen == ["input.email", "output.messages.0.role", "output.messages.0.parts.0.type", "output.messages.0.parts.0.content", "output"]


def test_hook_sees_masked_text_and_its_result_is_masked_again() -> None:
    received: list[str] = []

    def hook(value: Any, field: str) -> Any:
        received.append(value)
        return value + " sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX"

    text = Serializer(redact=hook).dumps({"note": "key sk-live-0123456789abcdefghij"}, "input")
    assert received == [f"key {MASK}"]
    assert "sk-" not in text


def test_a_failing_hook_drops_only_that_string() -> None:
    def hook(value: Any, field: str) -> Any:
        if field == "input.plan":
            raise RuntimeError("bug")
        return value

    result = json.loads(Serializer(redact=hook).dumps({"plan": "world domination", "x": "visible"}, "input"))
    assert result == {"plan": "<redacted: redaction hook raised RuntimeError>", "x": "visible"}


def test_non_string_results_are_serialized() -> None:
    result = Serializer(redact=lambda value, field: {"kept": len(value)}).to_jsonable({"a": "abc"}, "input")
    assert result == {"a": {"kept": 3}}
