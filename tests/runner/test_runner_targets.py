"""Target patterns and every bad-target message, through the resolver and through ``fluxloop-otel run``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxloop_otel.cli.main import UsageError, main
from fluxloop_otel.runner.errors import TargetError
from fluxloop_otel.runner.invoke import CallPlan
from fluxloop_otel.runner.targets import parse_target, resolve_target

from support.runner_modules import write_agent_module


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.syspath_prepend(str(tmp_path))
    return write_agent_module(tmp_path)


def resolve(text: str, **kwargs: Any) -> Any:
    return resolve_target(parse_target(text), **kwargs).function


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ("plain", "plain:q"),
        ("bot.answer", "bot:q"),  # module-level instance
        ("Bot.answer", "bot:q"),  # zero-argument constructor
        ("Bot.static", "static:q"),  # no instance needed
        ("Bot.klass", "Bot:q"),
        ("CallableBot", "callable:q"),  # a class whose instances are callable
    ],
)
def test_target_patterns(module: str, attribute: str, expected: str) -> None:
    assert resolve(f"{module}:{attribute}")("q") == expected


def test_factory_builds_the_instance(module: str) -> None:
    function = resolve(
        f"{module}:NeedsArgs.answer", factory=f"{module}:make_bot", factory_kwargs={"prefix": "made"}
    )
    assert function("q") == "made:q"  # the factory's object is used for the method


def test_file_path_target(tmp_path: Path) -> None:
    agents = tmp_path / "agents"
    agents.mkdir()
    name = write_agent_module(agents)
    function = resolve_target(parse_target(f"agents/{name}.py:plain"), base=tmp_path).function
    assert function("f") == "plain:f"


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ("plian", "has no attribute 'plian'. Did you mean: plain?"),
        ("zzz_nothing_like_it", "Callables there: "),
        ("Bot.anwser", "instance of Bot has no attribute 'anwser'. Did you mean: answer?"),
        ("CONFIG", "is a dict ({'a': 1}), which is not callable"),
        (
            "NeedsArgs.answer",
            "class NeedsArgs needs constructor arguments (key); the runner only constructs classes whose constructor takes no arguments",
        ),
        ("BrokenInit.answer", "constructing BrokenInit() failed: RuntimeError: no database"),
        ("NotCallable", "is a class whose instances are not callable; name a method, e.g. "),
    ],
)
def test_bad_attribute_messages(module: str, attribute: str, message: str) -> None:
    with pytest.raises(TargetError) as error:
        resolve(f"{module}:{attribute}")
    assert message in str(error.value)


def test_module_not_found_lists_the_search_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TargetError) as error:
        resolve("no_such_agent_module.sub:run")
    text = str(error.value)
    assert "module 'no_such_agent_module.sub' not found (no module named 'no_such_agent_module')" in text
    assert f"Searched sys.path:\n    {tmp_path}\n" in text and "runner.working_directory" in text


def test_failing_import_inside_the_module_is_not_module_not_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    name = write_agent_module(tmp_path, "import json\nimport dependency_that_is_not_installed\n")
    with pytest.raises(TargetError) as error:
        resolve(f"{name}:run")
    text = str(error.value)
    assert (
        f"importing '{name}' failed: ModuleNotFoundError: No module named 'dependency_that_is_not_installed'"
        in text
    )
    assert f"{name}.py:2)" in text and "Searched sys.path" not in text


def test_syntax_error_names_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    name = write_agent_module(tmp_path, "def run(input):\n    return (\n")
    with pytest.raises(TargetError, match=rf"SyntaxError: .*{name}\.py:2\)"):
        resolve(f"{name}:run")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("my_agent", "has no ':'"),
        ("my_agent:", "names no attribute after ':'"),
        (":run", "has no ':'"),
        ("my-agent:run", "neither a dotted module name nor a .py file"),
        ("my_agent:run()", "'run()' is not a Python identifier"),
        ("", "expected a target such as"),
    ],
)
def test_bad_target_syntax(text: str, message: str) -> None:
    with pytest.raises(TargetError) as error:
        parse_target(text)
    assert message in str(error.value)


@given(st.text(max_size=40))
def test_property_parse_target_never_crashes(text: str) -> None:
    try:
        spec = parse_target(text)
    except TargetError as error:
        assert str(error).startswith("field 'target': ") and len(str(error)) > len("field 'target': ")
    else:
        assert spec.attributes and all(part.isidentifier() for part in spec.attributes)
        assert spec.text == text.strip()


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ("needs_more", "requires argument(s) api_key the runner cannot supply"),
        ("no_params", "takes no parameter for the input text"),
    ],
)
def test_unsupplied_parameters(module: str, attribute: str, message: str) -> None:
    with pytest.raises(TargetError) as error:
        CallPlan(resolve(f"{module}:{attribute}"), attribute)
    assert message in str(error.value)


# -- the same errors through the command line: exit 2, one line, no traceback ---------------------------
@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    path = tmp_path / "inputs.txt"
    path.write_text("hello\n")
    return path


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{m}:plian", "Did you mean: plain?"),
        ("missing_module_for_cli:run", "module 'missing_module_for_cli' not found"),
        ("{m}:NeedsArgs.answer", "needs constructor arguments (key)"),
        ("{m}:CONFIG", "which is not callable"),
        ("{m}:needs_more", "requires argument(s) api_key"),
        ("{m}", "has no ':'"),
    ],
)
def test_cli_reports_bad_targets_without_traceback(
    target: str,
    message: str,
    module: str,
    inputs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", target.format(m=module), "--inputs", str(inputs), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fluxloop-otel run: error: ") and message in err and "Traceback" not in err


def test_cli_debug_shows_the_traceback(
    module: str, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="Did you mean: plain"):
        main(["--debug", "run", f"{module}:plian", "--inputs", str(inputs)])


def test_cli_requires_target_and_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    assert "no target: pass TARGET" in capsys.readouterr().err
    assert main(["run", "x:y"]) == 2
    assert "no inputs: pass --inputs FILE" in capsys.readouterr().err


def test_sys_path_is_restored(
    module: str, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    extra = tmp_path / "extra"
    before = list(sys.path)
    assert main(["run", f"{module}:plian", "--inputs", str(inputs), "--python-path", str(extra)]) == 2
    assert sys.path == before
