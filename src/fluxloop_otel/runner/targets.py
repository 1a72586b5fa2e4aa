"""Targets: ``"pkg.module:function"``, ``"module:instance.method"``, ``"module:Class.method"``
(zero-argument constructor or ``runner.factory``), ``"path/to/file.py:function"``.

:func:`parse_target` checks the text; :func:`resolve_target` imports and walks it, turning
every failure into a :class:`TargetError` that says what was looked for and where.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from fluxloop_otel.runner.errors import TargetError

TARGET_FORMS = (
    "'pkg.module:function', 'module:instance.method', 'module:Class.method' or 'path/to/file.py:function'"
)


@dataclass(frozen=True)
class TargetSpec:
    """A parsed target: the module (dotted name or ``.py`` file) and the attribute path in it."""

    module: str
    attributes: tuple[str, ...]

    @property
    def is_file(self) -> bool:
        return self.module.endswith(".py")

    @property
    def text(self) -> str:
        return f"{self.module}:{'.'.join(self.attributes)}"


@dataclass(frozen=True)
class ResolvedTarget:
    """The callable to run and how it was found."""

    function: Callable[..., Any]
    spec: TargetSpec
    module_file: str | None


def parse_target(text: Any, field: str = "target") -> TargetSpec:
    """Check the form of a target string (nothing is imported)."""
    if not isinstance(text, str) or not text.strip():
        raise TargetError(f"expected a target such as {TARGET_FORMS}, got {text!r}", field=field)
    value = text.strip()
    module, colon, chain = value.rpartition(":")
    if not colon or not module:
        raise TargetError(f"{value!r} has no ':'; expected {TARGET_FORMS}", field=field)
    if not chain:
        raise TargetError(f"{value!r} names no attribute after ':'; expected {TARGET_FORMS}", field=field)
    attributes = tuple(chain.split("."))
    bad = [part for part in attributes if not part.isidentifier()]
    if bad:
        raise TargetError(
            f"{value!r}: {bad[0]!r} is not a Python identifier; expected {TARGET_FORMS}", field=field
        )
    if not module.endswith(".py") and not all(part.isidentifier() for part in module.split(".")):
        raise TargetError(
            f"{value!r}: {module!r} is neither a dotted module name nor a .py file; expected {TARGET_FORMS}",
            field=field,
        )
    return TargetSpec(module, attributes)


# -- sys.path for the import ------------------------------------------------------------------------
class SearchPath:
    """Puts ``entries`` in front of ``sys.path`` while active (the run keeps them for lazy imports)."""

    def __init__(self, entries: Sequence[Path]) -> None:
        self.entries = [str(entry) for entry in entries]
        self._added: list[str] = []

    def __enter__(self) -> "SearchPath":
        for entry in reversed(self.entries):
            if entry not in sys.path:
                sys.path.insert(0, entry)
                self._added.append(entry)
        return self

    def __exit__(self, *exc: Any) -> None:
        for entry in self._added:
            try:
                sys.path.remove(entry)
            except ValueError:
                pass
        self._added.clear()


def _searched() -> str:
    entries = [entry or f"{os.getcwd()} (current directory)" for entry in sys.path]
    return "\n".join(f"    {entry}" for entry in entries)


# -- resolution -----------------------------------------------------------------------------------------
def resolve_target(
    spec: TargetSpec,
    *,
    factory: str | None = None,
    factory_kwargs: Mapping[str, Any] | None = None,
    base: Path | None = None,
) -> ResolvedTarget:
    """Import ``spec.module`` and walk ``spec.attributes`` to a callable."""
    module = _import(spec, base)
    module_file = getattr(module, "__file__", None)
    label = f"module '{module.__name__}'" + (f" ({module_file})" if module_file else "")
    obj: Any = module
    owner_label = label
    parts = list(spec.attributes)
    for index, name in enumerate(parts):
        if inspect.isclass(obj) and _needs_instance(obj, name):
            obj = _instantiate(obj, spec, factory, factory_kwargs)
            owner_label = f"instance of {type(obj).__qualname__}"
        obj = _attribute(obj, name, owner_label, spec)
        owner_label = f"'{'.'.join(parts[: index + 1])}' in {label}"
    if inspect.isclass(obj):
        instance = _instantiate(obj, spec, factory, factory_kwargs)
        if not callable(instance):
            methods = _public_callables(instance)
            hint = f"; name a method, e.g. '{spec.text}.{methods[0]}'" if methods else ""
            raise TargetError(
                f"'{spec.text}' is a class whose instances are not callable{hint}", field="target"
            )
        obj = instance
    if not callable(obj):
        raise TargetError(f"'{spec.text}' is {_describe(obj)}, which is not callable", field="target")
    return ResolvedTarget(obj, spec, module_file)


def _import(spec: TargetSpec, base: Path | None) -> Any:
    if spec.is_file:
        return _import_file(spec, base)
    name = spec.module
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (name == missing or name.startswith(missing + ".")):
            raise TargetError(
                f"module '{name}' not found (no module named '{missing}'). Searched sys.path:\n{_searched()}\n"
                "Set runner.working_directory / runner.python_path (or --working-directory / --python-path) "
                "to the directory that contains it.",
                field="target",
            ) from None
        raise TargetError(f"importing '{name}' failed: {_exception_summary(exc)}", field="target") from exc
    except Exception as exc:
        raise TargetError(f"importing '{name}' failed: {_exception_summary(exc)}", field="target") from exc


def _import_file(spec: TargetSpec, base: Path | None) -> Any:
    path = Path(spec.module).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    path = path.resolve()
    if not path.is_file():
        raise TargetError(f"file '{path}' not found", field="target")
    module_name = path.stem if path.stem.isidentifier() else "_fluxloop_target"
    existing = sys.modules.get(module_name)
    if existing is not None and os.path.realpath(getattr(existing, "__file__", "") or "") == str(path):
        return existing
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise TargetError(f"cannot import '{path}' as a Python module", field="target")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    with SearchPath([path.parent]):
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(module_name, None)
            raise TargetError(
                f"importing '{path}' failed: {_exception_summary(exc)}", field="target"
            ) from exc
    return module


def _needs_instance(cls: type, name: str) -> bool:
    """Whether ``Class.name`` is an instance method (static/class methods need no instance)."""
    try:
        raw = inspect.getattr_static(cls, name)
    except AttributeError:
        return True  # let _attribute report it against an instance if construction works
    return not isinstance(raw, (staticmethod, classmethod, type))


def _instantiate(
    cls: type, spec: TargetSpec, factory: str | None, factory_kwargs: Mapping[str, Any] | None
) -> Any:
    if factory:
        return _from_factory(factory, factory_kwargs or {}, spec)
    required = _required_parameters(cls)
    if required:
        raise TargetError(
            f"'{spec.text}': class {cls.__qualname__} needs constructor arguments ({', '.join(required)}); "
            "the runner only constructs classes whose constructor takes no arguments. Point the target at a "
            "module-level instance ('module:instance.method') or set runner.factory to a function that builds it.",
            field="target",
        )
    try:
        return cls()
    except Exception as exc:
        raise TargetError(
            f"'{spec.text}': constructing {cls.__qualname__}() failed: {_exception_summary(exc)}",
            field="target",
        ) from exc


def _from_factory(factory: str, kwargs: Mapping[str, Any], spec: TargetSpec) -> Any:
    factory_spec = parse_target(factory, field="runner.factory")
    function = resolve_target(factory_spec).function
    try:
        return function(**dict(kwargs))
    except Exception as exc:
        raise TargetError(
            f"runner.factory '{factory}' failed: {_exception_summary(exc)}", field="runner.factory"
        ) from exc


def _required_parameters(cls: type) -> list[str]:
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return []
    return [
        name
        for name, parameter in signature.parameters.items()
        if parameter.default is parameter.empty
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]


def _attribute(obj: Any, name: str, owner_label: str, spec: TargetSpec) -> Any:
    try:
        return getattr(obj, name)
    except AttributeError:
        pass
    except Exception as exc:  # a property that raises
        raise TargetError(
            f"'{spec.text}': reading '{name}' of {owner_label} failed: {_exception_summary(exc)}",
            field="target",
        ) from exc
    names = _public_names(obj)
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
    if close:
        hint = f" Did you mean: {', '.join(close)}?"
    else:
        callables = _public_callables(obj)
        hint = (
            f" Callables there: {', '.join(callables[:12])}."
            if callables
            else " It defines no public callables."
        )
    raise TargetError(f"'{spec.text}': {owner_label} has no attribute '{name}'.{hint}", field="target")


def _public_names(obj: Any) -> list[str]:
    try:
        return [name for name in dir(obj) if not name.startswith("_")]
    except Exception:
        return []


def _public_callables(obj: Any) -> list[str]:
    found = []
    for name in _public_names(obj):
        try:
            value = inspect.getattr_static(obj, name)
        except AttributeError:
            continue
        if callable(value) or isinstance(value, (staticmethod, classmethod)):
            module = getattr(value, "__module__", None)
            if inspect.ismodule(obj) and module not in (None, obj.__name__):
                continue  # imported from elsewhere
            found.append(name)
    return found


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"a {type(value).__name__} ({text})"


def _exception_summary(exc: BaseException) -> str:
    """``Type: message`` plus the innermost frame (file:line) where it was raised."""
    summary = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{summary} ({exc.filename}:{exc.lineno})"
    frames = list(_frames(exc))
    if frames:
        frame = frames[-1]
        summary += f" (at {frame.filename}:{frame.lineno})"
    return summary


def _frames(exc: BaseException) -> Iterator[traceback.FrameSummary]:
    for frame in traceback.extract_tb(exc.__traceback__):
        if "importlib" not in frame.filename and not frame.filename.startswith("<frozen"):
            yield frame
