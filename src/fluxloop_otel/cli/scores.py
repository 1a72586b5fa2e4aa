"""``fluxloop-otel scores EXPERIMENT_DIR``: FluxLoop evaluation verdicts onto the traces they judged.

Reads the per-trace results of a FluxLoop experiment directory:

* ``evaluation_rules/per_trace.jsonl`` (the rule evaluator, ``fluxloop_cli.evaluation.run_evaluation``):
  one verdict per criterion (``scores``, with ``reasons`` as the explanation) and the overall one
  (``final_score``, label ``pass``/``fail``);
* ``evaluation_report/report.html`` (``fluxloop evaluate experiment`` 0.3.0 writes nothing
  else): its trace matrix, the per-trace overall verdict (``PASS``/``PARTIAL``/``FAIL``/``REVIEW``)
  and the 7 LLM-judged metrics (``pass``/``partial``/``fail``);
* any ``per_trace.jsonl`` given with ``--results`` in the rule evaluator's shape.

Each becomes one ``gen_ai.evaluation.result`` event in the trace with that id (FluxLoop trace id
== OTel trace id), under the trace's root (see :mod:`fluxloop_otel.telemetry.scores`), sent to the
OTLP endpoint (``--endpoint`` or ``OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT``). No file is written.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from fluxloop_otel.cli.errors import UsageError

RULES_FILE = Path("evaluation_rules") / "per_trace.jsonl"
REPORT_FILE = Path("evaluation_report") / "report.html"
OVERALL_NAME = "fluxloop.overall"
#: The trace matrix of ``fluxloop evaluate`` 0.3.0's report: overall, then its 7 LLM-judged metrics.
MATRIX_COLUMNS = (OVERALL_NAME,) + tuple(
    f"fluxloop.{metric}"
    for metric in ("task_completion", "hallucination", "relevance", "tool_usage", "user_satisfaction", "clarity", "persona_consistency")
)
#: Matrix cell states as scores (``review``: a label without a score; ``unknown``: not judged, skipped).
STATUS_SCORES = {"pass": 1.0, "partial": 0.5, "fail": 0.0}
_MATRIX_ROW = re.compile(r'<tr data-trace-id="([0-9a-fA-F-]{36})">(.*?)</tr>', re.DOTALL)
_STATUS = re.compile(r'<span class="status-icon (\w+)">')


@dataclass(frozen=True)
class Verdict:
    """One criterion's verdict on one trace."""

    trace_id: str
    name: str
    value: float | None = None
    label: str | None = None
    explanation: str | None = None
    source: str = ""


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("scores", help="send FluxLoop evaluation results to the OTLP backend, onto their traces")
    parser.add_argument("experiment", help="experiment directory (with evaluation_rules/ or evaluation_report/)")
    parser.add_argument("--results", action="append", default=[], metavar="FILE", help="more per_trace.jsonl files in the rule evaluator's shape")
    parser.add_argument("--endpoint", help="OTLP endpoint (default: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT)")
    parser.add_argument("--protocol", choices=("http/protobuf", "grpc"), help="OTLP protocol (default: OTEL_EXPORTER_OTLP_PROTOCOL or http/protobuf)")
    parser.add_argument("--dry-run", action="store_true", help="list the verdicts without sending them")
    parser.set_defaults(handler=run)


# -- reading ------------------------------------------------------------------------------------------
def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                raise UsageError(f"{path}:{number}: not a JSON line") from None
            if isinstance(record, dict):
                yield record


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def rule_verdicts(path: Path) -> list[Verdict]:
    """Verdicts of the rule evaluator's ``per_trace.jsonl``: one per criterion, plus the overall one."""
    verdicts: list[Verdict] = []
    for record in _lines(path):
        trace_id = record.get("trace_id")
        if not isinstance(trace_id, str) or not trace_id:
            continue
        reasons = record.get("reasons") if isinstance(record.get("reasons"), dict) else {}
        scores = record.get("scores") if isinstance(record.get("scores"), dict) else {}
        for name, score in scores.items():
            reason = reasons.get(name)
            verdicts.append(Verdict(trace_id, str(name), _number(score), None, str(reason) if reason else None, str(path)))
        final = _number(record.get("final_score"))
        passed = record.get("pass")
        if final is not None or isinstance(passed, bool):
            label = None if not isinstance(passed, bool) else ("pass" if passed else "fail")
            failed = "; ".join(f"{k}: {v}" for k, v in reasons.items() if v) or None
            verdicts.append(Verdict(trace_id, "final_score", final, label, failed, str(path)))
    return verdicts


def report_verdicts(path: Path) -> list[Verdict]:
    """The per-trace verdicts ``fluxloop evaluate`` 0.3.0 renders in its HTML report's trace matrix:
    the overall one (``fluxloop.overall``) and one per LLM-judged metric (``fluxloop.task_completion``...)."""
    html = path.read_text(encoding="utf-8")
    verdicts: list[Verdict] = []
    seen: set[str] = set()
    for trace_id, row in _MATRIX_ROW.findall(html):
        if trace_id in seen:  # the trace matrix comes first; later tables repeat some traces
            continue
        seen.add(trace_id)
        statuses = _STATUS.findall(row)
        if len(statuses) != len(MATRIX_COLUMNS):
            continue
        for name, status in zip(MATRIX_COLUMNS, statuses):
            label = status.upper() if name == OVERALL_NAME else status
            if status == "unknown":
                continue
            verdicts.append(Verdict(trace_id, name, STATUS_SCORES.get(status), label, None, str(path)))
    return verdicts


def collect(experiment: Path, extra: list[str]) -> list[Verdict]:
    """Every verdict found in ``experiment`` and the ``extra`` result files."""
    verdicts: list[Verdict] = []
    if (experiment / RULES_FILE).is_file():
        verdicts += rule_verdicts(experiment / RULES_FILE)
    if (experiment / REPORT_FILE).is_file():
        verdicts += report_verdicts(experiment / REPORT_FILE)
    for name in extra:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"{path} is not a file")
        verdicts += rule_verdicts(path)
    return verdicts


# -- sending --------------------------------------------------------------------------------------------
def send(verdicts: list[Verdict], endpoint: str | None, protocol: str | None) -> int:
    """Record every verdict through a fluxloop-otel configured for OTLP export only; the count sent."""
    import fluxloop_otel
    from fluxloop_otel.config.options import resolve_settings

    options: dict[str, Any] = {"offline_store_enabled": False, "instrument_langchain": False, "metrics": False}
    if endpoint:
        options["otlp_endpoint"] = endpoint
    if protocol:
        options["otlp_protocol"] = protocol
    if not resolve_settings(options).otlp_endpoint:
        raise UsageError("no OTLP endpoint: pass --endpoint or set OTEL_EXPORTER_OTLP_ENDPOINT")
    fluxloop_otel.configure(**options)
    sent = 0
    try:
        for verdict in verdicts:
            if fluxloop_otel.record_score(
                verdict.name, verdict.value, label=verdict.label, explanation=verdict.explanation, trace_id=verdict.trace_id
            ):
                sent += 1
    finally:
        if not fluxloop_otel.force_flush(30):
            raise UsageError("the OTLP endpoint did not accept the verdicts within 30 s")
        fluxloop_otel.shutdown()
    return sent


def run(args: argparse.Namespace) -> int:
    experiment = Path(args.experiment)
    if not experiment.is_dir():
        raise UsageError(f"{experiment} is not a directory")
    verdicts = collect(experiment, args.results)
    if not verdicts:
        raise UsageError(f"no evaluation results in {experiment} (expected {RULES_FILE} or {REPORT_FILE}, or --results FILE)")
    traces = len({verdict.trace_id for verdict in verdicts})
    if args.dry_run:
        for verdict in verdicts:
            score = "-" if verdict.value is None else f"{verdict.value:g}"
            print(f"{verdict.trace_id}  {verdict.name:<20} {score:>6}  {verdict.label or ''}  {verdict.explanation or ''}".rstrip())
        print(f"{len(verdicts)} verdict(s) on {traces} trace(s) (dry run: nothing sent)")
        return 0
    sent = send(verdicts, args.endpoint, args.protocol)
    print(f"sent {sent} verdict(s) on {traces} trace(s)")
    return 0
