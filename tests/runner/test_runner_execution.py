"""``fluxloop-otel run`` in-process: call styles, context, guards, read-back observations, the experiment files."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from fluxloop_otel.runner import ConfigError, Options, Session, build_config
from fluxloop_otel.runner.results import ExperimentResult

from support.runner_modules import write_agent_module


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.module = write_agent_module(root)

    def inputs(self, text: str, name: str = "inputs.txt") -> Path:
        path = self.root / name
        path.write_text(text)
        return path

    def run(self, attribute: str, inputs: Path | None = None, **options: Any) -> ExperimentResult:
        options.setdefault("output", "out")
        config = build_config(
            Options(target=f"{self.module}:{attribute}", inputs=inputs or self.inputs("hi\n"), **options),
            cwd=self.root,
        )
        session = Session(config)
        session.prepare()
        return session.execute()

    @staticmethod
    def files(result: ExperimentResult) -> dict[str, Any]:
        directory = Path(result.directory or "")
        lines = lambda name: [json.loads(line) for line in (directory / name).read_text().splitlines()]  # noqa: E731
        errors = directory / "errors.json"
        return {
            "summary": json.loads((directory / "summary.json").read_text()),
            "trace_summary": lines("trace_summary.jsonl"),
            "traces": lines("traces.jsonl"),
            "observations": lines("observations.jsonl"),
            "errors": json.loads(errors.read_text()) if errors.exists() else None,
        }


@pytest.fixture
def project(tmp_path: Path, tracing: Any, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ("plain", "plain:hi"),
        ("coro", "async:hi"),
        ("gen", "abhi"),  # generator: chunks joined
        ("agen", "xyhi"),  # async generator: str and {"delta": ...} chunks joined
        ("positional", "positional:hi"),
        ("returns_dict", '{"answer": "hi", "n": 1}'),
        ("returns_coroutine", "async:hi"),
        ("bot.answer", "bot:hi"),
        ("Bot.answer", "bot:hi"),
    ],
)
def test_call_styles(project: Project, attribute: str, expected: str) -> None:
    result = project.run(attribute)
    assert [(run.success, run.output) for run in result.runs] == [(True, expected)]


def test_context_parameter_and_injections(project: Project) -> None:
    inputs = project.inputs(
        "inputs:\n  - input: first\n    metadata: {persona: novice, strategy: base}\n  - input: second\n    persona: expert\n",
        "inputs.yaml",
    )
    (project.root / "simulation.yaml").write_text(
        f"name: ctx\nrunner:\n  target: {project.module}:with_context\npersonas:\n  - name: novice\n    description: New here\n"
    )
    result = project.run("with_context", inputs, config=Path("simulation.yaml"), iterations=2)
    outputs = [run.output.split("|") for run in result.runs]
    assert [o[:8] for o in outputs] == [
        ["first", "0", "0", "novice", "New here", "0", "novice", "base"],
        ["second", "0", "1", "expert", "None", "0", "expert", "None"],
        ["first", "1", "2", "novice", "New here", "1", "novice", "base"],
        ["second", "1", "3", "expert", "None", "1", "expert", "None"],
    ]
    assert [o[8] for o in outputs] == [run.trace_id for run in result.runs]


def test_traced_agent_observations_tokens_and_trace_lines(project: Project, tracing: Any) -> None:
    result = project.run("traced", project.inputs("hello\nboom now\n"), name="unit")
    ok, failed = result.runs
    assert (ok.success, ok.output, failed.success) == (True, "HELLO", False)
    assert [o["type"] for o in ok.observations] == ["tool", "generation", "agent"]
    assert ok.token_usage == {"prompt_tokens": 3.0, "completion_tokens": 2.0, "total_tokens": 5.0}
    assert ok.actions == ["agent:traced_agent", "tool:echo", "generation:complete"]
    assert {o["trace_id"] for o in ok.observations} == {ok.trace_id}
    assert (failed.error, failed.error_type) == ("'boom requested'", "KeyError")
    roots = {
        str(uuid.UUID(int=s.context.trace_id)): s
        for s in tracing.spans()
        if s.name == "invoke_workflow unit_iter0"
    }
    assert set(roots) == {ok.trace_id, failed.trace_id}, "each run is its own trace, with the run's trace id"
    assert roots[failed.trace_id].status.status_code is StatusCode.ERROR
    assert [t["name"] for t in tracing.traces()] == ["unit_iter0", "unit_iter0"]
    files = project.files(result)
    assert [o["id"] for o in files["observations"]] == [o["id"] for o in ok.observations]
    assert files["errors"] == [
        {
            "iteration": 0,
            "persona": None,
            "input": "boom now",
            "error": "'boom requested'",
            "error_type": "KeyError",
            "trace_id": failed.trace_id,
        }
    ]


def test_agent_final_response_overrides_the_return_value(project: Project) -> None:
    assert project.run("with_final_response").runs[0].output == "from the event"


def test_max_duration_sync(project: Project, tracing: Any) -> None:
    started = time.perf_counter()
    result = project.run("slow", name="slowrun", max_duration="200ms")
    assert time.perf_counter() - started < 2.5, "the runner does not wait for the stuck thread"
    run = result.runs[0]
    assert (run.success, run.error, run.error_type) == (
        False,
        "run exceeded max_duration of 200ms",
        "RunTimeout",
    )
    assert 150 < run.duration_ms < 2000
    span = tracing.span("invoke_workflow slowrun_iter0")
    assert span.status.status_code is StatusCode.ERROR and span.status.description == run.error
    assert project.files(result)["errors"][0]["error"] == run.error


def test_max_duration_async_cancels_the_call(project: Project, tracing: Any) -> None:
    result = project.run("slow_async", name="slowasync", max_duration="0.1s")
    assert result.runs[0].error == "run exceeded max_duration of 100ms"
    tool = tracing.observation("slow_tool")
    assert tool["metadata"]["error_type"] == "CancelledError", "the cancelled call's span ends with an error"


def test_output_char_limit(project: Project) -> None:
    result = project.run("long_output", output_char_limit="10")
    assert result.runs[0].output == "x" * 10 + "... [truncated 90 chars]"
    files = project.files(result)
    assert (
        files["traces"][0]["output_truncated"] is True
        and files["trace_summary"][0]["output"] == result.runs[0].output
    )


def test_experiment_files_types_and_persona_consistency(project: Project) -> None:
    inputs = project.inputs('{"input": "one", "persona": "novice"}\n"two"\n', "inputs.jsonl")
    result = project.run("plain", inputs, iterations=2)
    files = project.files(result)
    assert (
        Path(result.directory or "").name.startswith("exp_")
        and Path(result.directory or "").parent == project.root / "out"
    )
    lines = files["trace_summary"]
    assert [(line["input"], line["iteration"], line["persona"]) for line in lines] == [
        ("one", 0, "novice"),
        ("two", 0, "unknown"),
        ("one", 1, "novice"),
        ("two", 1, "unknown"),
    ]
    for line in lines:
        assert (
            type(line["iteration"]) is int
            and type(line["duration_ms"]) is float
            and type(line["output"]) is str
        )
        assert [entry["role"] for entry in line["conversation"]] == [
            "user",
            "assistant",
        ] and "token_usage" not in line
        assert list(line) == [
            "trace_id",
            "iteration",
            "persona",
            "input",
            "output",
            "duration_ms",
            "success",
            "conversation",
            "conversation_state",
        ]
    assert (files["summary"]["total_runs"], files["summary"]["success_rate"]) == (4, 1.0)  # for `fluxloop status`
    results = files["summary"]["results"]
    assert (results["total_runs"], results["successful"], results["failed"], results["success_rate"]) == (
        4,
        4,
        0,
        1.0,
    )
    assert results["p50_duration_ms"] <= results["p95_duration_ms"] and files["errors"] is None


def test_second_experiment_in_the_same_second_gets_its_own_directory(project: Project) -> None:
    first, second = project.run("plain"), project.run("plain")
    assert first.directory != second.directory and Path(second.directory or "").is_dir()


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("../outside", "outside the allowed root"),
        ("out/../../x", "outside the allowed root"),
        ("", "must be a non-empty path"),
    ],
)
def test_output_paths_escaping_the_root_are_refused(project: Project, output: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        project.run("plain", output=output)
    assert "--output" in str(error.value) and message in str(error.value)


def test_absolute_output_is_allowed_on_the_command_line_only(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert Path(project.run("plain", output=str(elsewhere)).directory or "").parent == elsewhere
    (project.root / "sim.yaml").write_text(
        f"runner:\n  target: {project.module}:plain\noutput_directory: {elsewhere}\n"
    )
    with pytest.raises(ConfigError) as error:
        build_config(Options(config=Path("sim.yaml"), inputs=project.inputs("hi\n")), cwd=project.root)
    assert "sim.yaml:3: field 'output_directory': must be a path relative to the project root" in str(
        error.value
    )
