"""Recording mode: the FluxLoop SDK recorder's format, masking, configure() wiring, CLI replay."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fluxloop.recording import ArgsRecorder as SdkRecorder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fluxloop_otel as fl
from fluxloop_otel.core import recording

#: configure() may set variables (a .env file): os.environ is restored after each test.
pytestmark = pytest.mark.usefixtures("restore_environment")


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _without_time(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "timestamp"}


class Profile:
    def __init__(self) -> None:
        self.user = "ada"
        self.session_token = "tok-123"


def send_message(text: str) -> None:  # a callback argument
    return None


SAMPLE_KWARGS: dict[str, Any] = {
    "data": {"content": "hello", "auth_header": "Bearer abc", "items": [{"id": 1}, {"api_key": "k"}]},
    "api_key": "sk-secret",
    "when": datetime(2026, 1, 2, 3, 4, 5),
    "profile": Profile(),
    "send_message_callback": send_message,
    "raw": b"\xff\x00",
    "tags": ("a", "b"),
    "deep": {"a": {"b": {"c": {"d": {"e": 1}}}}},
}


@pytest.fixture(autouse=True)
def _recording_off() -> Any:
    yield
    recording.disable_recording()
    recording.set_recording_options(iteration_auto_increment=True)


def test_same_lines_as_the_sdk_recorder(tmp_path: Path) -> None:
    SdkRecorder(tmp_path / "sdk.jsonl").record("app:handle", iteration=None, **SAMPLE_KWARGS)
    recording.ArgsRecorder(tmp_path / "ours.jsonl").record("app:handle", iteration=None, **SAMPLE_KWARGS)
    sdk, ours = _records(tmp_path / "sdk.jsonl"), _records(tmp_path / "ours.jsonl")
    # One deliberate difference: the SDK writes secret-looking object attributes in clear.
    assert sdk[0]["kwargs"]["profile"]["session_token"] == "tok-123"
    sdk[0]["kwargs"]["profile"]["session_token"] = "***"
    assert [_without_time(r) for r in ours] == [_without_time(r) for r in sdk]
    assert list(ours[0]) == ["_version", "iteration", "target", "kwargs", "timestamp"]
    kwargs = ours[0]["kwargs"]
    assert (
        kwargs["api_key"] == "***"
        and kwargs["data"]["auth_header"] == "***"
        and kwargs["data"]["items"][1] == "***"
    )
    assert kwargs["send_message_callback"] == "<callable:send_message>"
    assert kwargs["profile"] == {"user": "ada", "session_token": "***"}
    assert kwargs["raw"].startswith("<repr:")
    datetime.fromisoformat(ours[0]["timestamp"])


json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kwargs=st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), json_value, max_size=5),
    iteration=st.none() | st.integers(0, 9),
)
def test_property_same_record_as_the_sdk(
    tmp_path: Path, kwargs: dict[str, Any], iteration: int | None
) -> None:
    sdk_file, our_file = tmp_path / "sdk_p.jsonl", tmp_path / "ours_p.jsonl"
    for path in (sdk_file, our_file):
        path.unlink(missing_ok=True)
    SdkRecorder(sdk_file).record("m:f", iteration=iteration, **kwargs)
    recording.ArgsRecorder(our_file).record("m:f", iteration=iteration, **kwargs)
    assert [_without_time(r) for r in _records(our_file)] == [_without_time(r) for r in _records(sdk_file)]


def test_iterations_count_per_target(tmp_path: Path) -> None:
    recorder = recording.ArgsRecorder(tmp_path / "r.jsonl")
    for target in ("a:f", "a:f", "b:g", "a:f"):
        recorder.record(target, message="x")
    recorder.record("b:g", iteration=7, message="x")
    recorder.record("b:g", message="x")
    assert [(r["target"], r["iteration"]) for r in _records(tmp_path / "r.jsonl")] == [
        ("a:f", 0),
        ("a:f", 1),
        ("b:g", 0),
        ("a:f", 2),
        ("b:g", 7),
        ("b:g", 8),
    ]


def test_configure_turns_recording_on_and_off(tmp_path: Path) -> None:
    path = tmp_path / "recordings" / "args.jsonl"
    fl.configure(enabled=False, record_args=True, recording_file=str(path))
    fl.record_call_args("app:handle", data={"content": "hi"}, password="p")
    recording.set_recording_options(iteration_auto_increment=False)
    fl.record_call_args("app:handle", data={"content": "again"})
    fl.configure(enabled=False)  # record_args defaults to off: recording stops, as in the SDK
    fl.record_call_args("app:handle", data={"content": "not recorded"})
    assert [(r["iteration"], r["kwargs"]) for r in _records(path)] == [
        (0, {"data": {"content": "hi"}, "password": "***"}),
        (0, {"data": {"content": "again"}}),
    ]


def test_environment_variables_and_default_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLUXLOOP_RECORD_ARGS", "true")
    monkeypatch.setenv("FLUXLOOP_RECORDING_FILE", str(tmp_path / "env.jsonl"))
    fl.configure(enabled=False)
    assert recording.recording_file() == (tmp_path / "env.jsonl").resolve()
    monkeypatch.delenv("FLUXLOOP_RECORDING_FILE")
    fl.configure(enabled=False)
    default = recording.recording_file()
    assert (
        default is not None
        and default.parent == Path("/tmp").resolve()
        and default.name.startswith("fluxloop_args_")
    )


def test_unwritable_file_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    target = tmp_path / "dir.jsonl"
    recording.enable_recording(target)
    target.mkdir()  # the "file" is now a directory: writes fail
    with caplog.at_level(logging.WARNING, logger="fluxloop_otel.recording"):
        fl.record_call_args("app:handle", message="x")
        fl.record_call_args("app:handle", message="y")
    assert caplog.text.count("cannot write the argument recording") == 1


def test_fluxloop_cli_replays_our_recording(tmp_path: Path) -> None:
    from fluxloop.schemas import ExperimentConfig
    from fluxloop_cli.arg_binder import ArgBinder

    path = tmp_path / "recordings" / "args.jsonl"
    fl.configure(enabled=False, record_args=True, recording_file=str(path))

    def handle(data: dict[str, Any], user_id: str, send_message_callback: Any, api_key: str = "") -> None:
        return None

    fl.record_call_args(
        "app:handle",
        data={"content": "recorded question", "channel": "web"},
        user_id="u-1",
        send_message_callback=send_message,
        api_key="sk-x",
    )
    config = ExperimentConfig(
        name="replay",
        inputs_file="inputs.yaml",
        runner={"module_path": "app", "function_name": "handle", "target": "app:handle"},
        replay_args={
            "enabled": True,
            "recording_file": str(path),
            "override_param_path": "data.content",
            "callable_providers": {"send_message_callback": "builtin:collector.send"},
        },
    )
    kwargs = ArgBinder(config).bind_call_args(handle, runtime_input="new question")
    assert kwargs["data"] == {"content": "new question", "channel": "web"} and kwargs["user_id"] == "u-1"
    assert callable(kwargs["send_message_callback"]) and kwargs["api_key"] == "***"
