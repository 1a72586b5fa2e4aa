"""The serializer never raises, always yields valid JSON, respects the cap and masks secrets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import uuid
from decimal import Decimal
from typing import Any

import pydantic
import pydantic.v1
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxloop_otel.serialization import MASK, SecretMasker, Serializer
from fluxloop_otel.serialization.serializer import MARKER_SLACK

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
python_values = st.recursive(
    json_scalars
    | st.binary(max_size=64)
    | st.uuids()
    | st.datetimes()
    | st.dates()
    | st.decimals(allow_nan=True)
    | st.complex_numbers(),
    lambda children: st.lists(children, max_size=8)
    | st.tuples(children, children)
    | st.frozensets(st.integers(), max_size=5)
    | st.dictionaries(st.text(max_size=12) | st.integers(), children, max_size=8),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=python_values, cap=st.integers(min_value=1, max_value=400))
def test_never_raises_valid_json_and_capped(value: Any, cap: int) -> None:
    serializer = Serializer(max_chars=cap)
    text = serializer.dumps(value)
    json.loads(text)  # valid JSON, always
    assert len(text) <= serializer.max_chars + MARKER_SLACK


@settings(max_examples=100, deadline=None)
@given(text=st.text(min_size=0, max_size=3000))
def test_plain_text_capped_with_marker(text: str) -> None:
    serializer = Serializer(max_chars=100)
    result = serializer.text(text)
    if len(text) > 100:
        assert result.endswith(f"…[truncated {len(text) - 100} chars]")
    else:
        assert result == serializer.masker.mask_text(text)


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


class ModelV2(pydantic.BaseModel):
    name: str
    when: dt.datetime


class ModelV1(pydantic.v1.BaseModel):
    name: str


class Array:
    def tolist(self) -> list[int]:
        return [1, 2, 3]


class Frame:
    def to_dict(self) -> dict[str, int]:
        return {"rows": 2}


class HostileRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr explodes")

    def __str__(self) -> str:
        while True:  # would hang if ever called
            pass


class ExplodingHook:
    def to_dict(self) -> dict[str, Any]:
        raise ValueError("nope")


class Recursing:
    def to_dict(self) -> Any:
        return self.to_dict()


def test_known_types() -> None:
    serializer = Serializer()
    value = {
        "enum": Color.RED,
        "point": Point(1, 2),
        "v2": ModelV2(name="n", when=dt.datetime(2026, 1, 2, 3, 4, 5)),
        "v1": ModelV1(name="old"),
        "uuid": uuid.UUID(int=1),
        "bytes": b"hi\xff",
        "set": {3, 1, 2},
        "array": Array(),
        "frame": Frame(),
        "decimal": Decimal("1.5"),
        "nan": float("nan"),
        "time": dt.time(1, 2),
        "delta": dt.timedelta(seconds=90),
    }
    assert json.loads(serializer.dumps(value)) == {
        "enum": "red",
        "point": {"x": 1, "y": 2},
        "v2": {"name": "n", "when": "2026-01-02T03:04:05"},
        "v1": {"name": "old"},
        "uuid": "00000000-0000-0000-0000-000000000001",
        "bytes": "hi\ufffd",
        "set": [1, 2, 3],
        "array": [1, 2, 3],
        "frame": {"rows": 2},
        "decimal": 1.5,
        "nan": "nan",
        "time": "01:02:00",
        "delta": 90.0,
    }


def test_hostile_objects_never_run_user_repr_and_get_a_marker() -> None:
    serializer = Serializer()
    result = json.loads(serializer.dumps({"h": HostileRepr(), "e": ExplodingHook(), "r": Recursing()}))
    assert result["h"].endswith("HostileRepr>")
    assert "unserializable" in result["e"] and "ValueError" in result["e"]
    assert "unserializable" in result["r"] and "recursion" in result["r"]


def test_cycles_are_cut() -> None:
    data: dict[str, Any] = {"a": [1]}
    data["a"].append(data)
    data["self"] = data
    assert json.loads(Serializer().dumps(data)) == {"a": [1, "<cycle>"], "self": "<cycle>"}


def test_shared_references_are_not_cycles() -> None:
    shared = {"k": 1}
    assert json.loads(Serializer().dumps([shared, shared])) == [{"k": 1}, {"k": 1}]


def test_deep_nesting_is_bounded() -> None:
    deep: Any = "leaf"
    for _ in range(200):
        deep = [deep]
    text = Serializer().dumps(deep)
    assert "<max depth reached>" in text


def test_huge_string_and_total_cap() -> None:
    serializer = Serializer(max_chars=1000)
    assert "…[truncated 999000 chars]" in serializer.dumps("x" * 1_000_000)
    many = {f"k{i}": "v" * 50 for i in range(100)}
    text = serializer.dumps(many)
    assert json.loads(text).endswith("chars]")  # whole value became a capped JSON string


@pytest.mark.parametrize(
    "key",
    ["api_key", "OPENAI_API_KEY", "Authorization", "password", "client_secret", "access_token", "token", "x-auth-token", "apiKey"],
)
def test_secret_keys_masked(key: str) -> None:
    assert json.loads(Serializer().dumps({key: "hunter2", "nested": [{key: 1}]})) == {key: MASK, "nested": [{key: MASK}]}


@pytest.mark.parametrize("key", ["max_tokens", "prompt_tokens", "total_tokens", "token_usage", "tokens", "keyword", "monkey"])
def test_token_counts_and_harmless_keys_not_masked(key: str) -> None:
    assert json.loads(Serializer().dumps({key: 5})) == {key: 5}


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-abcdefghijklmnopqrstuvwx1234",
        "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.payload",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "AKIAABCDEFGHIJKLMNOP",
    ],
)
def test_secret_looking_values_masked(secret: str) -> None:
    text = Serializer().dumps({"note": f"call with {secret} please"})
    assert secret not in text and MASK in text


def test_masking_can_be_switched_off() -> None:
    serializer = Serializer(masker=SecretMasker(enabled=False))
    assert json.loads(serializer.dumps({"api_key": "k"})) == {"api_key": "k"}


def test_extra_secret_keys() -> None:
    serializer = Serializer(masker=SecretMasker(["ssn"]))
    assert json.loads(serializer.dumps({"user_ssn": "123"})) == {"user_ssn": MASK}


def test_redaction_hook_applies_and_failing_hook_drops_content() -> None:
    def redact(value: Any, field: str) -> Any:  # called for each string leaf
        return "<email>" if "@" in value else value

    assert json.loads(Serializer(redact=redact).dumps({"to": "a@b.c", "n": 1}, "input")) == {"to": "<email>", "n": 1}

    def broken(value: Any, field: str) -> Any:
        raise RuntimeError("hook bug")

    text = Serializer(redact=broken).dumps({"secret_plan": "world domination", "x": "visible?"}, "input")
    assert "world domination" not in text and "visible?" not in text
    assert "redaction hook raised RuntimeError" in text
