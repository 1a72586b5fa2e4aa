"""The keys a FluxLoop config may hold, and warnings for the ones it should not.

FluxLoop's own configs hold many keys this runner does not use (``variation_strategies``,
``multi_turn``...): those are known and pass quietly. A key neither FluxLoop nor this runner
knows is most often a typo (``iteratons``) or sits in the wrong section (``target:`` at the top
level instead of under ``runner:``); it used to be ignored silently, so the run went ahead with
a default. Each gets one warning naming the file, line and a suggestion.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

#: Top-level keys of ``project.yaml`` / ``input.yaml`` / ``simulation.yaml`` (the FluxLoop SDK's
#: ``ExperimentConfig`` fields, fluxloop 0.1.8, and the CLI templates' extras).
TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    {
        "name", "description", "version", "iterations", "parallel_runs", "seed", "run_delay_seconds",
        "personas", "variation_strategies", "variation_count", "variation_temperature", "variation_model",
        "custom_variation_prompt", "base_inputs", "inputs_file", "input_template", "input_generation",
        "runner", "replay_args", "evaluators", "output_directory", "save_traces", "save_aggregated_metrics",
        "multi_turn", "collector_url", "collector_api_key", "tags", "metadata", "source_root",
        "evaluation", "evaluation_goal",
    }
)  # fmt: skip

#: Keys of the ``runner:`` section: the SDK's ``RunnerConfig`` fields plus this runner's guards.
RUNNER_KEYS: frozenset[str] = frozenset(
    {
        "module_path", "function_name", "target", "factory", "factory_kwargs", "stream_output_path",
        "working_directory", "python_path", "environment_vars", "requirements_file", "setup_commands",
        "timeout_seconds", "max_retries", "retry_delay", "use_docker", "docker_image",
        "docker_build_context", "docker_volumes", "max_duration", "output_char_limit", "input_char_limit",
    }
)  # fmt: skip


def _where(container: Any, key: Any, path: str) -> str:
    line_of = getattr(container, "line_of", None)
    line = line_of(key) if callable(line_of) else None
    return f"{path}:{line}" if line else path


def _suggestion(key: str, known: frozenset[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    if not close and len(key) >= 4:  # a shortened name: timeout -> timeout_seconds
        close = sorted(k for k in known if k.startswith(key + "_") or k.endswith("_" + key))[:1]
    return f"; did you mean '{close[0]}'?" if close else ""


def key_warnings(data: Any, path: str) -> list[str]:
    """One ``"path:line: ..."`` warning per unknown or misplaced key of a parsed config document."""
    if not isinstance(data, Mapping):
        return []
    warnings = []
    for key in data:
        if not isinstance(key, str) or key in TOP_LEVEL_KEYS:
            continue
        where = _where(data, key, path)
        if key in RUNNER_KEYS:
            warnings.append(f"{where}: '{key}' belongs under 'runner:' (ignored here)")
        else:
            warnings.append(
                f"{where}: unknown key '{key}' (ignored){_suggestion(key, TOP_LEVEL_KEYS | RUNNER_KEYS)}"
            )
    runner = data.get("runner")
    if isinstance(runner, Mapping):
        for key in runner:
            if not isinstance(key, str) or key in RUNNER_KEYS:
                continue
            where = _where(runner, key, path)
            if key in TOP_LEVEL_KEYS:
                warnings.append(
                    f"{where}: 'runner.{key}' belongs at the top level, not under 'runner:' (ignored here)"
                )
            else:
                warnings.append(
                    f"{where}: unknown key 'runner.{key}' (ignored){_suggestion(key, RUNNER_KEYS)}"
                )
    return warnings
