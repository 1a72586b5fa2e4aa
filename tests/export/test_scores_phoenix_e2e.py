"""Issue 12, end to end: a real ``fluxloop run experiment`` exports its traces to a real Phoenix; the
FluxLoop rule evaluator and ``fluxloop evaluate`` (stub LLM) judge them; ``fluxloop-otel scores``
sends the verdicts; each appears in Phoenix inside the trace it judged (same trace id, under its root)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from support.cli_projects import (
    FLUXLOOP,
    FLUXLOOP_OTEL,
    _experiments,
    _new_experiment,
    build_support_project,
    clean_env,
    read_jsonl,
    run_command,
)
from support.fluxloop_stub_llm import StubLLM
from support.phoenix_server import Phoenix

pytestmark = pytest.mark.e2e

PROJECT = "e2e-scores"
RULES = """
evaluators:
  - name: basic_checks
    type: rule_based
    weight: 1.0
    rules:
      - check: success
      - check: output_not_empty
  - name: mentions_weather
    type: rule_based
    weight: 0.5
    rules:
      - check: contains
        target: output
        keywords: ["sunny"]
aggregate:
  method: weighted_sum
  threshold: 0.7
report:
  output: md
"""
RULE_EVALUATION = """
import sys
from pathlib import Path
from fluxloop_cli.evaluation import EvaluationOptions, load_evaluation_config, run_evaluation
exp_dir = Path(sys.argv[1])
run_evaluation(exp_dir, load_evaluation_config(Path(sys.argv[2])), EvaluationOptions(output_dir=exp_dir / "evaluation_rules", overwrite=True))
"""


def test_fluxloop_verdicts_reach_phoenix_on_their_traces(phoenix: Phoenix, tmp_path: Path) -> None:
    project = build_support_project(tmp_path, "scores_experiment")
    to_phoenix = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": phoenix.http_traces_endpoint, "OTEL_RESOURCE_ATTRIBUTES": f"openinference.project.name={PROJECT}"}

    # 1. the real FluxLoop runner; the agent (fluxloop-otel) exports to Phoenix as well as to the JSONL files
    before = _experiments(project)
    result = run_command([str(FLUXLOOP), "run", "experiment", "--yes", "--no-display"], cwd=project, env=clean_env(**to_phoenix))
    experiment = _new_experiment(project, before, result.stdout + result.stderr)
    traces = [line["trace_id"] for line in experiment.summary_lines()]
    assert len(traces) == 2

    # 2. evaluation: the rule evaluator (library) and `fluxloop evaluate experiment` (LLM judge, stubbed)
    run_command([str(FLUXLOOP), "parse", "experiment", str(experiment.directory)], cwd=project)
    (tmp_path / "rules.yaml").write_text(RULES)
    subprocess.run([sys.executable, "-c", RULE_EVALUATION, str(experiment.directory), str(tmp_path / "rules.yaml")], check=True, cwd=project, env=clean_env())
    rules = {line["trace_id"]: line for line in read_jsonl(experiment.directory / "evaluation_rules" / "per_trace.jsonl")}
    assert set(rules) == set(traces)
    with StubLLM() as stub:
        run_command(
            [str(FLUXLOOP), "evaluate", "experiment", str(experiment.directory), "--llm-api-key", "stub-key"],
            cwd=project,
            env=clean_env(OPENAI_BASE_URL=stub.base_url),
        )
    assert (experiment.directory / "evaluation_report" / "report.html").is_file()

    # 3. the verdicts, onto the traces
    sent = run_command([str(FLUXLOOP_OTEL), "scores", str(experiment.directory)], cwd=project, env=clean_env(**to_phoenix))
    # per trace: basic_checks, mentions_weather, final_score (rules) + overall and 7 metrics (the report)
    assert "sent 22 verdict(s) on 2 trace(s)" in sent.stdout

    # 4. Phoenix: each trace holds the run's spans and its verdicts, under its root
    for trace_id in traces:
        hex_id = uuid.UUID(trace_id).hex
        root_id = f"{uuid.UUID(trace_id).int & (2**64 - 1):016x}"
        observations = [o for o in experiment.artifacts("observations.jsonl") if o["trace_id"] == trace_id]
        spans = phoenix.wait_for_spans(PROJECT, hex_id, count=len(observations) + 1 + 11, timeout=30)
        named = {span["name"]: span for span in spans}
        assert "invoke_agent support_agent" in named, sorted(named)  # the judged run itself
        (root,) = [span for span in spans if span["context"]["span_id"] == root_id]
        assert root["name"].startswith("invoke_workflow ") and root["parent_id"] is None
        assert named["invoke_agent support_agent"]["parent_id"] == root_id
        expected = rules[trace_id]["scores"]
        for criterion, score in expected.items():
            span = named[f"evaluation {criterion}"]
            assert span["parent_id"] == root_id, (criterion, span["parent_id"])
            assert span["span_kind"] == "EVALUATOR"
            attributes = span["attributes"]
            assert attributes["gen_ai.evaluation.name"] == criterion
            assert attributes["gen_ai.evaluation.score.value"] == pytest.approx(score)
            assert [event["name"] for event in span.get("events") or []] == ["gen_ai.evaluation.result"]
        final = named["evaluation final_score"]["attributes"]
        assert final["gen_ai.evaluation.score.label"] == ("pass" if rules[trace_id]["pass"] else "fail")
        overall = named["evaluation fluxloop.overall"]["attributes"]
        assert overall["gen_ai.evaluation.score.label"] == "PASS"  # the stub judge passes every metric
        assert overall["gen_ai.evaluation.score.value"] == 1.0
        assert named["evaluation fluxloop.task_completion"]["attributes"]["gen_ai.evaluation.score.label"] == "pass"
