"""Every name in the installed FluxLoop SDK's ``__all__`` exists here with a compatible signature.

"Port by changing one import line": ``import fluxloop_otel as fluxloop`` must accept every call
the SDK accepts. Compared against the installed SDK (``fluxloop`` 0.1.8, in constraints.txt).
"""

from __future__ import annotations

import enum
import inspect
import uuid
from pathlib import Path
from typing import Any

import pytest

import fluxloop_otel

fluxloop = pytest.importorskip("fluxloop")

SDK_NAMES = list(fluxloop.__all__)


def _signature(obj: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def _same_default(sdk: Any, ours: Any) -> bool:
    if sdk is inspect.Parameter.empty:
        return True
    if isinstance(sdk, enum.Enum):
        return getattr(ours, "value", ours) == sdk.value
    return sdk == ours


def _incompatibilities(sdk_obj: Any, our_obj: Any) -> list[str]:
    """Calls the SDK signature accepts that ours would not (missing parameters, kinds, defaults)."""
    sdk_sig, our_sig = _signature(sdk_obj), _signature(our_obj)
    if sdk_sig is None:
        return []
    assert our_sig is not None, "ours has no signature"
    ours = our_sig.parameters
    var_keyword = any(p.kind is p.VAR_KEYWORD for p in ours.values())
    problems = []
    positional = [p for p in ours.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for index, param in enumerate(sdk_sig.parameters.values()):
        if param.kind is param.VAR_KEYWORD:
            if not var_keyword:
                problems.append("**kwargs missing")
            continue
        if param.kind is param.VAR_POSITIONAL:
            if not any(p.kind is p.VAR_POSITIONAL for p in ours.values()):
                problems.append("*args missing")
            continue
        mine = ours.get(param.name)
        if mine is None:
            if not var_keyword:
                problems.append(f"parameter {param.name!r} missing")
            continue
        if param.kind is param.POSITIONAL_OR_KEYWORD:
            if mine.kind is not mine.POSITIONAL_OR_KEYWORD or positional.index(mine) != index:
                problems.append(f"{param.name!r} must be accepted positionally at position {index}")
        if param.default is not param.empty and mine.default is mine.empty:
            problems.append(f"{param.name!r} must be optional")
        elif not _same_default(param.default, mine.default):
            problems.append(f"{param.name!r} default {mine.default!r} != SDK {param.default!r}")
    # Parameters only we have must be optional, or the SDK's calls would miss them.
    known = set(sdk_sig.parameters)
    for name, mine in ours.items():
        if (
            name not in known
            and mine.default is mine.empty
            and mine.kind not in (mine.VAR_KEYWORD, mine.VAR_POSITIONAL)
        ):
            problems.append(f"extra required parameter {name!r}")
    return problems


@pytest.mark.parametrize("name", SDK_NAMES)
def test_sdk_name_exists_with_a_compatible_signature(name: str) -> None:
    assert hasattr(fluxloop_otel, name), f"fluxloop_otel.{name} is missing"
    sdk_obj, our_obj = getattr(fluxloop, name), getattr(fluxloop_otel, name)
    assert name in fluxloop_otel.__all__
    if isinstance(sdk_obj, type) and issubclass(sdk_obj, enum.Enum):
        assert issubclass(our_obj, enum.Enum)
        missing = {m.value for m in sdk_obj} - {m.value for m in our_obj}
        assert not missing, f"{name} lacks members {missing}"
        return
    assert callable(our_obj) == callable(sdk_obj)
    assert _incompatibilities(sdk_obj, our_obj) == []


def test_the_sdk_all_is_the_one_this_test_was_written_for() -> None:
    assert len(SDK_NAMES) == 27 and {
        "get_config",
        "reset_config",
        "ObservationLevel",
        "FluxLoopClient",
    } <= set(SDK_NAMES)


def test_load_env_with_the_sdk_keywords(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLUXLOOP_PARITY_PROBE", raising=False)
    (tmp_path / ".env").write_text("FLUXLOOP_PARITY_PROBE=from-dotenv\n")
    assert fluxloop_otel.load_env(dotenv_path=str(tmp_path), override=True, refresh_config=False) is True
    import os

    assert os.environ["FLUXLOOP_PARITY_PROBE"] == "from-dotenv"
    assert fluxloop_otel.load_env(str(tmp_path / "missing.env")) is False
    assert fluxloop_otel.load_env(path=tmp_path / ".env", refresh=False) is True  # the older spelling


def test_get_config_and_reset_config(tmp_path: Path) -> None:
    fluxloop_otel.configure(offline_store_dir=str(tmp_path), debug=False)
    assert fluxloop_otel.get_config().offline_store_dir == str(tmp_path)
    reset = fluxloop_otel.reset_config()
    assert reset.offline_store_dir == "./traces"  # configure() arguments dropped, as in the SDK
    assert fluxloop_otel.get_config() == reset
    # Every SDKConfig field reads under its SDK name.
    sdk_fields = set(type(fluxloop.get_config()).model_fields)
    dumped = fluxloop_otel.get_config().model_dump()
    assert sdk_fields <= set(dumped), sdk_fields - set(dumped)
    for name in sdk_fields:
        getattr(fluxloop_otel.get_config(), name)
    assert (
        fluxloop_otel.get_config().use_collector is False and fluxloop_otel.get_config().collector_url is None
    )
    fluxloop_otel.shutdown()


def test_models_behave_like_the_sdks() -> None:
    trace_id = uuid.uuid4()
    data = {"trace_id": trace_id, "type": "generation", "name": "llm", "level": "warning", "prompt_tokens": 3}
    ours, sdk = fluxloop_otel.Observation(**data), fluxloop.Observation(**data)
    assert ours.model_dump(mode="json", exclude={"id", "start_time"}) == sdk.model_dump(
        mode="json", exclude={"id", "start_time"}
    )
    assert ours.level is fluxloop_otel.ObservationLevel.WARNING
    trace = fluxloop_otel.Trace(name="t", observations=[ours])
    assert trace.calculate_metrics()["observation_count"] == 1
    score = {"trace_id": trace_id, "name": "ok", "value": 0.5, "data_type": "numeric"}
    assert fluxloop_otel.Score(**score).model_dump(exclude={"id", "created_at"}) == fluxloop.Score(
        **score
    ).model_dump(exclude={"id", "created_at"})
    persona = {"name": "novice", "description": "new user"}
    assert (
        fluxloop_otel.PersonaConfig(**persona).model_dump() == fluxloop.PersonaConfig(**persona).model_dump()
    )
    runner = {"module_path": "app", "function_name": "run"}
    assert fluxloop_otel.RunnerConfig(**runner).model_dump() == fluxloop.RunnerConfig(**runner).model_dump()
    assert fluxloop_otel.ExperimentConfig.model_json_schema() == fluxloop.ExperimentConfig.model_json_schema()


def test_context_class_and_client(tmp_path: Path) -> None:
    fluxloop_otel.configure(offline_store_dir=str(tmp_path))
    with fluxloop_otel.instrument("parity") as ctx:
        assert isinstance(ctx, fluxloop_otel.FluxLoopContext)
        assert isinstance(fluxloop_otel.get_current_context(), fluxloop_otel.FluxLoopContext)
    wanted = uuid.uuid4()
    detached = fluxloop_otel.FluxLoopContext("by-hand", trace_id_override=str(wanted), tags=["a"])
    assert detached.trace_id == str(wanted) and detached.tags == ["a"]
    with fluxloop_otel.FluxLoopClient(collector_url="http://127.0.0.1:9/") as client:
        assert client.collector_url == "http://127.0.0.1:9"
        assert client.send_trace(object()) == {"status": "collector_disabled"}
        assert client.send_observation(wanted, object()) == {"status": "collector_disabled"}
    fluxloop_otel.shutdown()


def test_without_pydantic_star_import_works_and_the_models_say_what_is_missing() -> None:
    import subprocess
    import sys

    script = (
        "import sys; sys.modules['pydantic'] = None\n"
        "from fluxloop_otel import *\n"
        "try:\n    Trace(name='x')\nexcept ImportError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "pip install 'pydantic>=2'" in done.stdout
