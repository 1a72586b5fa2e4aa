"""Inputs, config and guard parsers: exact messages (file, line, field), and never an unhandled exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fluxloop_otel.runner.config import config_from_mapping, load_config
from fluxloop_otel.runner.errors import ConfigError, InputsError, RunnerError
from fluxloop_otel.runner.guards import Guards, parse_char_limit, parse_duration
from fluxloop_otel.runner.inputs import load_inputs, parse_inputs
from fluxloop_otel.runner.invoke import CallPlan, RunContext
from fluxloop_otel.runner.yamlfile import parse_yaml

from support.paths import FIXTURES

# -- inputs ------------------------------------------------------------------------------------------------


def test_generated_yaml_shapes(tmp_path: Path) -> None:
    nested = "inputs:\n  - input: What is X?\n    metadata:\n      persona: novice\n      strategy: base\n"
    flat = "- input: Hi\n  persona: expert\n  strategy: typo\n- input: 42\n"
    assert [(e.input, e.persona, e.metadata) for e in parse_inputs(nested, "a.yaml", ".yaml")] == [
        ("What is X?", "novice", {"persona": "novice", "strategy": "base"})
    ]
    entries = parse_inputs(flat, "b.yml", ".yml")
    assert [(e.input, e.persona, e.source_index) for e in entries] == [("Hi", "expert", 0), ("42", None, 1)]
    assert entries[0].metadata == {
        "input": "Hi",
        "persona": "expert",
        "strategy": "typo",
    }  # flat entries are their own metadata, as in the CLI
    assert [e.input for e in parse_inputs('{"variations": [{"input": "v"}]}', "c.json", ".json")] == ["v"]


def test_jsonl_and_text_inputs(tmp_path: Path) -> None:
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"input": "a", "metadata": {"persona": "p"}}\n\n"b"\n')
    assert [(e.input, e.persona) for e in load_inputs(jsonl)] == [("a", "p"), ("b", None)]
    text = tmp_path / "in.txt"
    text.write_text("# questions\nfirst question\n\n  second question  \n")
    assert [e.input for e in load_inputs(text)] == ["first question", "second question"]


@pytest.mark.parametrize(
    ("text", "suffix", "message"),
    [
        (
            "inputs:\n  - input: ok\n  - input: ''\n",
            ".yaml",
            "in.yaml:3: field 'inputs[1].input': needs a non-empty text 'input', got str",
        ),
        (
            "inputs:\n  - input: ok\n  - metadata: {persona: x}\n",
            ".yaml",
            "in.yaml:3: field 'inputs[1].input': needs a non-empty text 'input', got nothing",
        ),
        (
            "- input: [1, 2]\n",
            ".yaml",
            "in.yaml:1: field 'inputs[0].input': needs a non-empty text 'input', got list",
        ),
        (
            "- input: a\n  metadata: [x]\n",
            ".yaml",
            "in.yaml:2: field 'inputs[0].metadata': expected a mapping, got list",
        ),
        (
            "- input: a\n  persona: 3\n",
            ".yaml",
            "in.yaml:1: field 'inputs[0].persona': expected a persona name, got int",
        ),
        ("inputs: nope\n", ".yaml", "in.yaml:1: field 'inputs': expected a list, got str"),
        ("other: 1\n", ".yaml", "in.yaml:1: expected a list of inputs or a mapping with an 'inputs' list"),
        ("inputs:\n  - input: [unclosed\n", ".yaml", "in.yaml:3: invalid YAML"),
        ("", ".yaml", "in.yaml: is empty"),
        ("inputs: []\n", ".yaml", "in.yaml: contains no inputs"),
        ('{"input": "a"}\n{"input": }\n', ".jsonl", "in.jsonl:2: invalid JSON: Expecting value (column 11)"),
        ('{"input": "a"}\n[1]\n', ".jsonl", "in.jsonl:2: expected a mapping with an 'input', got list"),
        ("\n# only comments\n", ".txt", "in.txt: contains no inputs"),
    ],
)
def test_bad_inputs_messages(text: str, suffix: str, message: str) -> None:
    with pytest.raises(InputsError) as error:
        parse_inputs(text, f"in{suffix}", suffix)
    assert str(error.value).startswith(message), str(error.value)


def test_unreadable_inputs_files(tmp_path: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00bad")
    for path, message in (
        (tmp_path / "missing.yaml", "file not found"),
        (tmp_path, "is a directory"),
        (tmp_path / "bin.txt", "not UTF-8 text"),
    ):
        with pytest.raises(InputsError, match=message) as error:
            load_inputs(path)
        assert str(error.value).startswith(str(path))


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["input", "metadata", "persona", "inputs", "variations", "x"])
            | st.text(max_size=5),
            inner,
            max_size=4,
        )
    ),
    max_leaves=15,
)


def _check_inputs(text: str, suffix: str) -> None:
    path = f"inputs{suffix}"
    try:
        entries = parse_inputs(text, path, suffix)
    except InputsError as error:
        assert str(error).startswith(path) and error.path == path
    else:
        assert entries and all(isinstance(e.input, str) and e.input.strip() for e in entries)
        assert all(isinstance(e.metadata, dict) for e in entries)
        json.dumps([e.metadata for e in entries])  # metadata goes into JSON files


@given(yaml_values)
def test_property_yaml_documents(value: Any) -> None:
    _check_inputs(yaml.safe_dump(value), ".yaml")
    _check_inputs(json.dumps(value), ".json")
    _check_inputs(
        "\n".join(json.dumps(item) for item in (value if isinstance(value, list) else [value])), ".jsonl"
    )


@given(st.text(max_size=80), st.sampled_from([".yaml", ".json", ".jsonl", ".txt"]))
def test_property_arbitrary_text(text: str, suffix: str) -> None:
    _check_inputs(text, suffix)


# -- config --------------------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_configs_directory_merges_sections(tmp_path: Path) -> None:
    write(tmp_path / "configs" / "project.yaml", "name: proj\n")
    write(
        tmp_path / "configs" / "input.yaml",
        "personas:\n  - name: novice\n    description: New\ninputs_file: inputs/generated.yaml\n",
    )
    write(
        tmp_path / "configs" / "simulation.yaml",
        "name: sim\niterations: 3\noutput_directory: results\nrunner:\n  module_path: agents.main\n  function_name: handle\n"
        "  working_directory: src\n  python_path: [lib, vendor]\n  environment_vars: {MODE: test, N: 2}\n  timeout_seconds: 90\n  output_char_limit: 500\n",
    )
    config = load_config(tmp_path / "configs" / "simulation.yaml")
    root = tmp_path.resolve()
    assert (config.name, config.iterations, config.target_text) == ("sim", 3, "agents.main:handle")
    assert (config.inputs_file, config.output_directory) == (
        root / "inputs" / "generated.yaml",
        root / "results",
    )
    assert (config.working_directory, config.python_path) == (root / "src", [root / "lib", root / "vendor"])
    assert (
        config.environment_vars == {"MODE": "test", "N": "2"}
        and config.personas["novice"]["description"] == "New"
    )
    assert config.guards == Guards(max_duration=90.0, output_char_limit=500)
    assert load_config(tmp_path).name == "sim" == load_config(tmp_path / "configs").name


def test_the_fluxloop_scaffold_is_accepted() -> None:
    sample = FIXTURES / "fluxloop_cli" / "sdk_sample"
    config = load_config(sample / "configs" / "simulation.yaml")
    assert (config.name, config.target_text, config.guards.max_duration) == (
        "proj_experiment",
        "my_agent:run",
        120.0,
    )
    assert config.raw["replay_args"]["override_param_path"] == "data.content"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("iterations: 0\n", "simulation.yaml:1: field 'iterations': must be between 1 and 10000, got 0"),
        (
            "iterations: many\n",
            "simulation.yaml:1: field 'iterations': expected a whole number, got str 'many'",
        ),
        (
            "name: x\nrunner:\n  target: my_agent.run\n",
            "simulation.yaml:3: field 'runner.target': 'my_agent.run' has no ':'",
        ),
        (
            "runner:\n  max_duration: soon\n",
            "simulation.yaml:2: field 'runner.max_duration': expected a duration such as 120s, 2m or 500ms, got 'soon'",
        ),
        (
            "runner:\n  output_char_limit: -1\n",
            "simulation.yaml:2: field 'runner.output_char_limit': must not be negative, got -1",
        ),
        (
            "runner:\n  python_path: [1]\n",
            "simulation.yaml:2: field 'runner.python_path': expected a path or a list of paths",
        ),
        (
            "runner:\n  environment_vars: {A: [1]}\n",
            "simulation.yaml:2: field 'runner.environment_vars': expected NAME: value pairs",
        ),
        ("runner: 5\n", "simulation.yaml:1: field 'runner': expected a mapping, got int 5"),
        (
            "personas:\n  - name: a\n  - description: b\n",
            "simulation.yaml:3: field 'personas[1].name': expected a non-empty string, got nothing",
        ),
        (
            "output_directory: ../../etc\n",
            "simulation.yaml:1: field 'output_directory': '../../etc' resolves to",
        ),
        ("- a\n- b\n", "simulation.yaml:1: expected a mapping of settings, got list ['a', 'b']"),
        ("runner:\n  target: [x\n", "simulation.yaml:3: invalid YAML"),
    ],
)
def test_bad_config_messages(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "simulation.yaml", text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{tmp_path}/{message}"), str(error.value)


def test_section_errors_name_their_own_file(tmp_path: Path) -> None:
    write(tmp_path / "configs" / "simulation.yaml", "name: ok\nrunner:\n  target: a:b\n")
    write(tmp_path / "configs" / "input.yaml", "# personas\n\npersonas: {name: x}\n")
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "configs")
    assert str(error.value).startswith(
        f"{tmp_path}/configs/input.yaml:3: field 'personas': expected a list of personas"
    )


def test_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="no configs/ directory here"):
        load_config(tmp_path)


config_keys = st.sampled_from(
    [
        "name",
        "iterations",
        "inputs_file",
        "output_directory",
        "personas",
        "runner",
        "target",
        "module_path",
        "function_name",
        "python_path",
        "working_directory",
        "environment_vars",
        "max_duration",
        "timeout_seconds",
        "output_char_limit",
        "factory",
        "factory_kwargs",
        "other",
    ]
)
config_values = st.recursive(
    yaml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(config_keys, inner, max_size=4),
    max_leaves=15,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(config_keys, config_values, max_size=6))
def test_property_config_never_crashes(tmp_path: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data)
    try:
        config = config_from_mapping(
            parse_yaml(text, "sim.yaml", ConfigError), project_root=tmp_path, path="sim.yaml"
        )
    except ConfigError as error:
        assert str(error).startswith("sim.yaml") and error.path == "sim.yaml"
        if error.field:
            assert error.line is not None, f"field {error.field} reported without its line"
    else:
        assert config.iterations >= 1 and isinstance(config.environment_vars, dict)
        json.dumps(config.raw)


@given(st.text(max_size=60))
def test_property_config_text_never_crashes(text: str) -> None:
    try:
        config_from_mapping(
            parse_yaml(text, "sim.yaml", ConfigError), project_root=Path("/tmp"), path="sim.yaml"
        )
    except RunnerError as error:
        assert str(error).startswith("sim.yaml")


# -- guards and binding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (120, 120.0),
        ("120s", 120.0),
        ("2m", 120.0),
        ("1.5 min", 90.0),
        ("500ms", 0.5),
        ("1h", 3600.0),
        (".5s", 0.5),
        (0, None),
        ("none", None),
        (None, None),
    ],
)
def test_parse_duration(value: Any, seconds: float | None) -> None:
    assert parse_duration(value) == seconds


@given(
    st.one_of(
        st.text(max_size=12),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=2),
    )
)
def test_property_guards_parse_or_explain(value: Any) -> None:
    for parse in (parse_duration, parse_char_limit):
        try:
            result = parse(value)
        except ValueError as error:
            assert str(error)
        else:
            assert result is None or result > 0


def test_output_limit() -> None:
    assert Guards(output_char_limit=3).limit_output("abcdef") == ("abc... [truncated 3 chars]", True)
    assert Guards(output_char_limit=6).limit_output("abcdef") == ("abcdef", False)
    assert Guards().limit_output("x" * 10_000) == ("x" * 10_000, False)


def _context() -> RunContext:
    return RunContext(
        iteration=2,
        run_index=5,
        input="question",
        trace_id="t",
        experiment="e",
        persona="novice",
        persona_description="New",
    )


@pytest.mark.parametrize(
    ("function", "args", "kwargs"),
    [
        (lambda message, history=None: None, (), {"message": "question"}),  # the CLI's input names first
        (lambda *, query, history=None: None, (), {"query": "question"}),
        (lambda *parts: None, ("question",), {}),
        (
            lambda data, persona, iteration: None,
            (),
            {"data": "question", "persona": "novice", "iteration": 2},
        ),
        (
            lambda text, persona_description="", run_iteration=0: None,
            (),
            {"text": "question", "persona_description": "New", "run_iteration": 2},
        ),
    ],
)
def test_call_plan_binding(function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    assert CallPlan(function, "t").arguments(_context()) == (args, kwargs)


def test_run_context_access() -> None:
    context = _context()
    assert context["persona"] == context.get("persona") == "novice" and context.get("missing", 1) == 1
    with pytest.raises(KeyError):
        context["missing"]
    assert context.as_dict()["run_index"] == 5
