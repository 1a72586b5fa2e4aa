"""Runner configuration: a FluxLoop ``configs/`` project (or one ``simulation.yaml``) plus options.

Read keys (the rest of a FluxLoop config is kept for ``summary.json`` and otherwise ignored)::

    name: my_experiment
    iterations: 2
    inputs_file: inputs/generated.yaml        # relative to the project root
    output_directory: experiments             # must stay inside the project root
    personas: [{name: novice_user, description: ...}]
    runner:
      target: "pkg.module:function"           # or module:instance.method / module:Class.method
      module_path: pkg.module                 # used with function_name when target is absent
      function_name: run
      factory: "pkg.module:make_agent"        # optional, builds the instance for Class.method
      factory_kwargs: {}
      working_directory: .                    # put on sys.path (relative to the project root)
      python_path: [src]
      environment_vars: {KEY: value}
      max_duration: 120s                      # guard (falls back to timeout_seconds)
      output_char_limit: 20000                # guard
      input_char_limit: 20000                 # cap on the input as stored (default 20000; 0 = none)

``configs/`` projects merge ``project.yaml``, ``input.yaml`` and ``simulation.yaml`` as the
FluxLoop CLI does. Every error names the file, line and field. Keys neither FluxLoop nor this
runner knows, or found in the wrong section, are reported as warnings with a suggestion
(:mod:`fluxloop_otel.runner.config_keys`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fluxloop_otel.runner.config_keys import key_warnings
from fluxloop_otel.runner.errors import ConfigError, RunnerError
from fluxloop_otel.runner.guards import DEFAULT_INPUT_CHAR_LIMIT, Guards, parse_char_limit, parse_duration
from fluxloop_otel.runner.paths import resolve_output_dir
from fluxloop_otel.runner.yamlfile import LineDict, parse_yaml, plain, read_text, type_name

CONFIG_DIRECTORY = "configs"
SECTION_FILES = ("project.yaml", "input.yaml", "simulation.yaml")
DEFAULT_OUTPUT = "experiments"
DEFAULT_NAME = "experiment"
MAX_ITERATIONS = 10000


@dataclass
class RunnerConfig:
    """Everything one ``fluxloop-otel run`` needs (paths resolved)."""

    project_root: Path
    name: str = DEFAULT_NAME
    target: str | None = None
    module_path: str | None = None
    function_name: str = "run"
    factory: str | None = None
    factory_kwargs: dict[str, Any] = field(default_factory=dict)
    working_directory: Path | None = None
    python_path: list[Path] = field(default_factory=list)
    environment_vars: dict[str, str] = field(default_factory=dict)
    iterations: int = 1
    inputs_file: Path | None = None
    personas: dict[str, dict[str, Any]] = field(default_factory=dict)
    output_directory: Path | None = None
    guards: Guards = field(default_factory=Guards)
    source: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    #: Unknown or misplaced keys ("path:line: ..."), for the command line to print.
    warnings: list[str] = field(default_factory=list)

    @property
    def target_text(self) -> str | None:
        """The target as ``module:attribute`` (from ``target`` or ``module_path`` + ``function_name``)."""
        if self.target:
            return self.target
        if self.module_path:
            return f"{self.module_path}:{self.function_name}"
        return None


@dataclass(frozen=True)
class _Origin:
    """Where a value came from, for error messages."""

    path: str | None
    line: int | None


def _origin(container: Any, key: Any, path: str | None) -> _Origin:
    line_of = getattr(container, "line_of", None)
    return _Origin(path, line_of(key) if callable(line_of) else None)


def _fail(message: str, origin: _Origin, name: str) -> ConfigError:
    return ConfigError(message, path=origin.path, line=origin.line, field=name)


# -- field readers ----------------------------------------------------------------------------------
def _string(value: Any, origin: _Origin, name: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise _fail(f"expected a non-empty string, got {_describe(value)}", origin, name)
    return value.strip()


def _optional_string(value: Any, origin: _Origin, name: str) -> str | None:
    return None if value is None or value == "" else _string(value, origin, name)


def _int(value: Any, origin: _Origin, name: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        else:
            raise _fail(f"expected a whole number, got {_describe(value)}", origin, name)
    if not minimum <= value <= maximum:
        raise _fail(f"must be between {minimum} and {maximum}, got {value}", origin, name)
    return value


def _mapping(value: Any, origin: _Origin, name: str) -> Mapping[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(f"expected a mapping, got {_describe(value)}", origin, name)
    return value


def _path_list(value: Any, origin: _Origin, name: str) -> list[str]:
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
        raise _fail(f"expected a path or a list of paths, got {_describe(value)}", origin, name)
    return [item.strip() for item in items]


def _target(value: Any, origin: _Origin, name: str) -> str | None:
    text = _optional_string(value, origin, name)
    if text is None:
        return None
    from fluxloop_otel.runner.targets import parse_target

    try:
        parse_target(text)
    except RunnerError as exc:
        raise _fail(exc.message, origin, name) from None
    return text


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(plain(value))
    return f"{type_name(value)} {text[:60]}{'...' if len(text) > 60 else ''}"


# -- building ------------------------------------------------------------------------------------------
def config_from_mapping(
    data: Any, *, project_root: Path, path: str | None = None, runner_path: str | None = None
) -> RunnerConfig:
    """A :class:`RunnerConfig` from one parsed YAML document (or merged sections).

    ``runner_path`` names the file the ``runner`` section came from (defaults to ``path``).
    """
    if data is None:
        data = {}
    top = _Origin(path, getattr(data, "line", None))
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping of settings, got {_describe(data)}", path=path, line=top.line)
    config = RunnerConfig(project_root=project_root.resolve(), source=path, raw=plain(data))
    if "name" in data:
        config.name = _string(data["name"], _origin(data, "name", path), "name")
    if "iterations" in data:
        config.iterations = _int(
            data["iterations"], _origin(data, "iterations", path), "iterations", 1, MAX_ITERATIONS
        )
    if data.get("inputs_file") not in (None, ""):
        text = _string(data["inputs_file"], _origin(data, "inputs_file", path), "inputs_file")
        config.inputs_file = (config.project_root / Path(text).expanduser()).resolve()
    if data.get("output_directory") not in (None, ""):
        origin = _origin(data, "output_directory", path)
        text = _string(data["output_directory"], origin, "output_directory")
        config.output_directory = resolve_output_dir(
            text,
            config.project_root,
            allow_absolute=False,
            source=path,
            field="output_directory",
            line=origin.line,
        )
    if "personas" in data:
        config.personas = _personas(data["personas"], _origin(data, "personas", path), path)
    runner_source = runner_path or path
    runner = _mapping(data.get("runner"), _origin(data, "runner", path), "runner")
    _read_runner(config, runner, runner_source)
    return config


def _read_runner(config: RunnerConfig, runner: Mapping[Any, Any], path: str | None) -> None:
    def origin(key: str) -> _Origin:
        return _origin(runner, key, path)

    config.target = _target(runner.get("target"), origin("target"), "runner.target")
    module_path = _optional_string(runner.get("module_path"), origin("module_path"), "runner.module_path")
    config.module_path = module_path
    if runner.get("function_name") not in (None, ""):
        config.function_name = _string(
            runner["function_name"], origin("function_name"), "runner.function_name"
        )
    config.factory = _target(runner.get("factory"), origin("factory"), "runner.factory")
    config.factory_kwargs = dict(
        _mapping(runner.get("factory_kwargs"), origin("factory_kwargs"), "runner.factory_kwargs")
    )
    if runner.get("working_directory") not in (None, ""):
        text = _string(runner["working_directory"], origin("working_directory"), "runner.working_directory")
        config.working_directory = (config.project_root / Path(text).expanduser()).resolve()
    config.python_path = [
        (config.project_root / Path(entry).expanduser()).resolve()
        for entry in _path_list(runner.get("python_path"), origin("python_path"), "runner.python_path")
    ]
    variables = _mapping(
        runner.get("environment_vars"), origin("environment_vars"), "runner.environment_vars"
    )
    for key, value in variables.items():
        if not isinstance(key, str) or not key or isinstance(value, (dict, list)):
            raise _fail(
                f"expected NAME: value pairs, got {key!r}: {_describe(value)}",
                origin("environment_vars"),
                "runner.environment_vars",
            )
        config.environment_vars[key] = "" if value is None else str(value)
    duration_key = "max_duration" if "max_duration" in runner else "timeout_seconds"
    try:
        max_duration = parse_duration(runner.get(duration_key))
    except ValueError as exc:
        raise _fail(str(exc), origin(duration_key), f"runner.{duration_key}") from None
    try:
        limit = parse_char_limit(runner.get("output_char_limit"))
    except ValueError as exc:
        raise _fail(str(exc), origin("output_char_limit"), "runner.output_char_limit") from None
    input_limit: int | None = DEFAULT_INPUT_CHAR_LIMIT
    if "input_char_limit" in runner:
        try:
            input_limit = parse_char_limit(runner.get("input_char_limit"))
        except ValueError as exc:
            raise _fail(str(exc), origin("input_char_limit"), "runner.input_char_limit") from None
    config.guards = Guards(max_duration=max_duration, output_char_limit=limit, input_char_limit=input_limit)


def _personas(value: Any, origin: _Origin, path: str | None) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise _fail(f"expected a list of personas, got {_describe(value)}", origin, "personas")
    personas: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(value):
        line = value.line_of(index) if hasattr(value, "line_of") else origin.line
        item_origin = _Origin(path, line)
        if not isinstance(entry, Mapping):
            raise _fail(
                f"expected a mapping with a 'name', got {_describe(entry)}", item_origin, f"personas[{index}]"
            )
        name = _string(entry.get("name"), item_origin, f"personas[{index}].name")
        personas[name] = plain(entry)
    return personas


# -- files ---------------------------------------------------------------------------------------------------
def load_config(path: Path) -> RunnerConfig:
    """Read a ``configs/`` directory, a project directory holding one, or a single YAML file."""
    path = path.expanduser()
    if path.is_dir():
        configs = path if path.name == CONFIG_DIRECTORY else path / CONFIG_DIRECTORY
        if not configs.is_dir():
            raise ConfigError(f"no {CONFIG_DIRECTORY}/ directory here (expected {configs})", path=str(path))
        return _load_sections(configs)
    if not path.exists():
        raise ConfigError("config file not found", path=str(path))
    if path.parent.name == CONFIG_DIRECTORY and path.name in SECTION_FILES:
        return _load_sections(path.parent)
    data = parse_yaml(read_text(path, ConfigError), str(path), ConfigError)
    config = config_from_mapping(data, project_root=path.parent, path=str(path))
    config.warnings = key_warnings(data, str(path))
    return config


def _load_sections(configs: Path) -> RunnerConfig:
    merged: dict[str, Any] = {}
    origins: dict[str, tuple[str, Any]] = {}
    warnings: list[str] = []
    runner_path: str | None = None
    found = False
    for name in SECTION_FILES:
        section = configs / name
        if not section.exists():
            continue
        found = True
        data = parse_yaml(read_text(section, ConfigError), str(section), ConfigError)
        if data is None:
            continue
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"expected a mapping of settings, got {_describe(data)}",
                path=str(section),
                line=getattr(data, "line", None),
            )
        warnings.extend(key_warnings(data, str(section)))
        for key, value in data.items():
            if key == "runner":
                runner_path = str(section)
            merged[key] = value
            origins[key] = (str(section), data)
    if not found:
        raise ConfigError(f"none of {', '.join(SECTION_FILES)} found", path=str(configs))
    # Validate each key against the file it came from, so errors name the right file and line.
    for key, (source, container) in origins.items():
        if key != "runner":
            config_from_mapping(_only(container, key), project_root=configs.parent, path=source)
    config = config_from_mapping(
        _with_lines(merged, origins),
        project_root=configs.parent,
        path=str(configs / "simulation.yaml"),
        runner_path=runner_path,
    )
    config.warnings = warnings
    return config


def _only(container: Any, key: str) -> LineDict:
    """A one-key copy of a parsed mapping, keeping the key's line."""
    subset = LineDict({key: container[key]})
    subset.line = getattr(container, "line", None)
    subset.lines = {key: container.line_of(key)} if hasattr(container, "line_of") else {}
    return subset


def _with_lines(merged: dict[str, Any], origins: dict[str, tuple[str, Any]]) -> LineDict:
    result = LineDict(merged)
    result.lines = {
        key: origins[key][1].line_of(key) for key in merged if hasattr(origins[key][1], "line_of")
    }
    return result
