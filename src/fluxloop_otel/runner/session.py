"""One ``fluxloop-otel run``: options + config -> prepared target and inputs -> experiment directory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fluxloop_otel.config.dotenv import EnvFileError, load_env
from fluxloop_otel.core import runtime as _runtime
from fluxloop_otel.runner.config import (
    CONFIG_DIRECTORY,
    DEFAULT_OUTPUT,
    MAX_ITERATIONS,
    RunnerConfig,
    load_config,
)
from fluxloop_otel.runner.engine import (
    Experiment,
    ProgressCallback,
    RunSpec,
    observations_directory,
    plan_runs,
    run_experiment,
)
from fluxloop_otel.runner.errors import ConfigError, InputsError, TargetError
from fluxloop_otel.runner.experiment import create_directory, write_experiment
from fluxloop_otel.runner.guards import Guards, parse_char_limit, parse_duration
from fluxloop_otel.runner.inputs import STDIN, InputEntry, load_inputs
from fluxloop_otel.runner.invoke import CallPlan
from fluxloop_otel.runner.observations import ObservationReader
from fluxloop_otel.runner.paths import resolve_output_dir
from fluxloop_otel.runner.results import ExperimentResult
from fluxloop_otel.runner.targets import ResolvedTarget, SearchPath, parse_target, resolve_target

DEFAULT_CONFIG = Path(CONFIG_DIRECTORY) / "simulation.yaml"


@dataclass
class Options:
    """Command-line values; each one given overrides the config file."""

    target: str | None = None
    config: Path | None = None
    inputs: Path | None = None
    iterations: int | None = None
    output: str | None = None
    name: str | None = None
    max_duration: str | None = None
    output_char_limit: str | None = None
    input_char_limit: str | None = None
    working_directory: Path | None = None
    python_path: list[Path] = field(default_factory=list)


def build_config(options: Options, cwd: Path | None = None) -> RunnerConfig:
    """The config file (``--config``, else ``./configs/simulation.yaml`` if present) with the options applied."""
    cwd = (cwd or Path.cwd()).resolve()
    path = options.config
    if path is None and (cwd / DEFAULT_CONFIG).is_file():
        path = cwd / DEFAULT_CONFIG
    config = (
        load_config(path if path.is_absolute() else cwd / path)
        if path is not None
        else RunnerConfig(project_root=cwd)
    )
    if options.target:
        parse_target(options.target, field="TARGET")
        config.target = options.target
    if options.name:
        config.name = options.name
    if options.iterations is not None:
        if not 1 <= options.iterations <= MAX_ITERATIONS:
            raise ConfigError(
                f"must be between 1 and {MAX_ITERATIONS}, got {options.iterations}", field="--iterations"
            )
        config.iterations = options.iterations
    if options.inputs is not None:
        config.inputs_file = (
            Path(STDIN) if str(options.inputs) == STDIN else (cwd / options.inputs.expanduser()).resolve()
        )
    if options.output is not None:
        config.output_directory = resolve_output_dir(
            options.output, cwd, allow_absolute=True, source=None, field="--output"
        )
    if options.working_directory is not None:
        config.working_directory = (cwd / options.working_directory.expanduser()).resolve()
    config.python_path = [
        (cwd / entry.expanduser()).resolve() for entry in options.python_path
    ] + config.python_path
    config.guards = _guards(options, config.guards)
    if config.target_text is None:
        raise TargetError(
            "no target: pass TARGET (e.g. 'my_agent:run') or set runner.target in simulation.yaml",
            field="TARGET",
        )
    if config.inputs_file is None:
        raise InputsError("no inputs: pass --inputs FILE or set inputs_file in the config", field="--inputs")
    return config


def _guards(options: Options, current: Guards) -> Guards:
    guards = current
    if options.max_duration is not None:
        try:
            guards = replace(guards, max_duration=parse_duration(options.max_duration))
        except ValueError as exc:
            raise ConfigError(str(exc), field="--max-duration") from None
    if options.output_char_limit is not None:
        try:
            guards = replace(guards, output_char_limit=parse_char_limit(options.output_char_limit))
        except ValueError as exc:
            raise ConfigError(str(exc), field="--output-char-limit") from None
    if options.input_char_limit is not None:
        try:
            guards = replace(guards, input_char_limit=parse_char_limit(options.input_char_limit))
        except ValueError as exc:
            raise ConfigError(str(exc), field="--input-char-limit") from None
    return guards


class Session:
    """Prepares the environment, target and inputs, then runs and writes the experiment."""

    def __init__(self, config: RunnerConfig) -> None:
        self.config = config
        self.output_base = config.output_directory or (config.project_root / DEFAULT_OUTPUT)
        self.search_path = SearchPath([config.working_directory or config.project_root, *config.python_path])
        self.entries: list[InputEntry] = []
        self.runs: list[RunSpec] = []
        self.target: ResolvedTarget | None = None
        self.plan: CallPlan | None = None

    def prepare(self) -> None:
        """Environment, inputs, target: every user error surfaces here, before any run."""
        config = self.config
        if config.source is not None:
            env_file = config.project_root / ".env"
            try:
                load_env(env_file, override=False, refresh_config=False)
            except EnvFileError as exc:
                raise ConfigError(exc.problem, path=exc.path, line=exc.line) from None
            except OSError as exc:
                raise ConfigError(f"cannot read: {exc.strerror or exc}", path=env_file) from None
        ensure_writable_directory(self.output_base, "--output" if config.output_directory else "output_directory")
        os.environ.update(config.environment_vars)
        os.environ.setdefault("FLUXLOOP_OFFLINE_DIR", str(self.output_base / "artifacts"))
        assert config.inputs_file is not None and config.target_text is not None
        self.entries = load_inputs(config.inputs_file)
        self.runs = plan_runs(self.entries, config.iterations)
        self.search_path.__enter__()
        try:
            spec = parse_target(config.target_text)
            # Configure (from the environment just set) before the target is imported, as a
            # program calling configure() first would: framework instrumentations that wrap
            # decorators (AGNT5's @function/@tool) see the target's decorations.
            _runtime.get()
            self.target = resolve_target(
                spec, factory=config.factory, factory_kwargs=config.factory_kwargs, base=config.project_root
            )
            self.plan = CallPlan(self.target.function, spec.text)
        except BaseException:
            self.search_path.__exit__(None, None, None)
            raise

    def execute(self, on_progress: ProgressCallback | None = None) -> ExperimentResult:
        """Run every planned run and write the experiment directory."""
        assert self.plan is not None, "prepare() first"
        try:
            reader = ObservationReader(observations_directory())
            try:
                directory = create_directory(self.output_base)
            except OSError as exc:
                raise ConfigError(
                    f"cannot create the experiment directory: {exc.strerror or exc}", path=exc.filename or self.output_base
                ) from None
            result = run_experiment(Experiment(self.config, self.plan, reader), self.runs, on_progress)
            result.directory = str(directory)
            try:
                write_experiment(directory, result, self.summary_config())
            except OSError as exc:
                raise ConfigError(f"cannot write: {exc.strerror or exc}", path=exc.filename or directory) from None
            return result
        finally:
            self.search_path.__exit__(None, None, None)

    def summary_config(self) -> dict[str, Any]:
        """The config as ``summary.json`` records it: the file's content plus the effective values."""
        config = self.config
        effective = {
            "name": config.name,
            "iterations": config.iterations,
            "target": config.target_text,
            "inputs_file": str(config.inputs_file),
            "input_count": len(self.entries),
            "output_directory": str(self.output_base),
            "max_duration_seconds": config.guards.max_duration,
            "output_char_limit": config.guards.output_char_limit,
            "input_char_limit": config.guards.input_char_limit,
        }
        return {**config.raw, "runner_effective": effective}


def ensure_writable_directory(path: Path, field: str) -> None:
    """:class:`ConfigError` unless ``path`` is (or can be created as) a directory this process writes into."""
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{existing} is not a directory, cannot hold experiments", path=path, field=field)
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "is not writable" if existing == path else f"cannot be created: {existing} is not writable"
        raise ConfigError(f"experiments directory {what} (Permission denied)", path=path, field=field)
