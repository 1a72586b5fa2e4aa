"""``record_score`` and ``fluxloop-otel scores``: verdicts as gen_ai.evaluation.result on the judged trace."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import fluxloop_otel as fl
from fluxloop_otel.cli.main import main
from fluxloop_otel.cli.scores import OVERALL_NAME, Verdict, collect, report_verdicts, rule_verdicts
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.semconv.ids import workflow_root_span_id

from support.otlp_servers import OtlpHttpSink
from support.paths import FIXTURES

RULES = FIXTURES / "fluxloop_evaluation" / "rules_per_trace.jsonl"
TRACE_A = "0bbaabca-209f-4d48-84e9-c206ddf7de53"
TRACE_B = "113afa2f-b31a-4771-9d9b-ba922488041d"


def test_record_score_on_the_current_span(fluxloop_traces) -> None:
    @fl.agent()
    def agent() -> str:
        assert fl.record_score("helpfulness", 0.8, label="good", explanation="answered")
        return "ok"

    agent()
    (event,) = fluxloop_traces.span("invoke_agent agent").events
    assert event.name == "gen_ai.evaluation.result"
    assert dict(event.attributes) == {
        A.GEN_AI_EVALUATION_NAME: "helpfulness",
        A.GEN_AI_EVALUATION_SCORE_VALUE: 0.8,
        A.GEN_AI_EVALUATION_SCORE_LABEL: "good",
        A.GEN_AI_EVALUATION_EXPLANATION: "answered",
    }


def test_record_score_without_a_span_records_nothing(fluxloop_traces) -> None:
    assert fl.record_score("x", 1.0) is False
    assert fluxloop_traces.spans == []


def test_record_score_on_an_ended_trace_by_id(fluxloop_traces) -> None:
    with fl.instrument("judged"):
        pass
    trace_id = fluxloop_traces.traces[0]["id"]
    assert fl.record_score("correctness", 0.0, label="fail", explanation="wrong city", trace_id=trace_id)
    span = fluxloop_traces.span("evaluation correctness")
    assert f"{span.context.trace_id:032x}" == uuid.UUID(trace_id).hex  # the judged trace
    assert span.parent.span_id == workflow_root_span_id(span.context.trace_id)  # under its root
    assert span.attributes[A.OPENINFERENCE_SPAN_KIND] == "EVALUATOR"
    assert span.attributes[A.GEN_AI_EVALUATION_SCORE_LABEL] == "fail"
    assert span.events[0].name == "gen_ai.evaluation.result"
    assert len(fluxloop_traces.traces) == 1  # no FluxLoop trace line of its own
    evaluation = fluxloop_traces.observation("correctness")
    assert evaluation["type"] == "evaluation" and evaluation["trace_id"] == trace_id and "parent_observation_id" not in evaluation


def test_record_score_under_a_given_observation(fluxloop_traces) -> None:
    @fl.tool()
    def lookup() -> str:
        return "x"

    with fl.instrument("judged"):
        lookup()
    tool = fluxloop_traces.observation("lookup")
    fl.record_score("tool_ok", 1.0, trace_id=tool["trace_id"], span_id=tool["id"])
    assert fluxloop_traces.observation("tool_ok")["parent_observation_id"] == tool["id"]


def test_rule_evaluator_results() -> None:
    verdicts = rule_verdicts(RULES)
    assert verdicts == [
        Verdict(TRACE_A, "basic_checks", 1.0, None, None, str(RULES)),
        Verdict(TRACE_A, "mentions_paris", 1.0, None, None, str(RULES)),
        Verdict(TRACE_A, "final_score", 1.0, "pass", None, str(RULES)),
        Verdict(TRACE_B, "basic_checks", 1.0, None, None, str(RULES)),
        Verdict(TRACE_B, "mentions_paris", 0.0, None, "missing keywords: Paris", str(RULES)),
        Verdict(TRACE_B, "final_score", pytest.approx(2 / 3), "fail", "mentions_paris: missing keywords: Paris", str(RULES)),
    ]


def _matrix_row(trace_id: str, statuses: list[str]) -> str:
    cells = "".join(f'<td><span class="status-icon {status}">?</span></td>' for status in statuses)
    return f'<tr data-trace-id="{trace_id}">\n<td><span class="trace-id" title="{trace_id}">x</span></td>{cells}</tr>'


def test_report_html_verdicts(tmp_path: Path) -> None:
    # the trace matrix of fluxloop evaluate 0.3.0's report.html (templates/report.html.j2)
    report = tmp_path / "report.html"
    report.write_text(
        "<table><tbody>"
        + _matrix_row(TRACE_A, ["pass"] * 8)
        + _matrix_row(TRACE_B, ["review", "fail", "pass", "partial", "pass", "unknown", "pass", "pass"])
        + "</tbody></table>"
        + _matrix_row(TRACE_B, ["fail"] * 8)  # the insights table repeats failed traces: ignored
    )
    verdicts = report_verdicts(report)
    assert len(verdicts) == 8 + 7
    assert (verdicts[0].name, verdicts[0].value, verdicts[0].label) == (OVERALL_NAME, 1.0, "PASS")
    b = {v.name: (v.value, v.label) for v in verdicts if v.trace_id == TRACE_B}
    assert b[OVERALL_NAME] == (None, "REVIEW") and b["fluxloop.task_completion"] == (0.0, "fail")
    assert b["fluxloop.relevance"] == (0.5, "partial") and "fluxloop.user_satisfaction" not in b


def _experiment(tmp_path: Path) -> Path:
    experiment = tmp_path / "exp"
    (experiment / "evaluation_rules").mkdir(parents=True)
    (experiment / "evaluation_rules" / "per_trace.jsonl").write_bytes(RULES.read_bytes())
    return experiment


def test_dry_run_lists_verdicts(tmp_path: Path, capsys) -> None:
    assert main(["scores", str(_experiment(tmp_path)), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "6 verdict(s) on 2 trace(s)" in out and "missing keywords: Paris" in out


def test_scores_sent_over_otlp_onto_their_traces(tmp_path: Path, capsys) -> None:
    sink = OtlpHttpSink()
    try:
        assert main(["scores", str(_experiment(tmp_path)), "--endpoint", sink.endpoint]) == 0
        spans = sink.wait_for_spans(6)
    finally:
        sink.close()
    assert "sent 6 verdict(s) on 2 trace(s)" in capsys.readouterr().out
    assert {(s.trace_id, s.name) for s in spans} >= {(uuid.UUID(TRACE_B).hex, "evaluation mentions_paris")}
    (mentions,) = [s for s in spans if s.trace_id == uuid.UUID(TRACE_B).hex and s.name == "evaluation mentions_paris"]
    assert mentions.parent_span_id == f"{workflow_root_span_id(uuid.UUID(TRACE_B).int):016x}"
    assert mentions.attributes[A.GEN_AI_EVALUATION_SCORE_VALUE] == 0.0
    assert mentions.attributes[A.GEN_AI_EVALUATION_EXPLANATION] == "missing keywords: Paris"


def test_errors_are_clear(tmp_path: Path, capsys) -> None:
    assert main(["scores", str(tmp_path)]) == 2
    assert "no evaluation results" in capsys.readouterr().err
    assert main(["scores", str(_experiment(tmp_path))]) == 2
    assert "no OTLP endpoint" in capsys.readouterr().err
    assert collect(tmp_path, []) == []
