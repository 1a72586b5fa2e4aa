"""Binding call arguments to parameter names, computed once per decorated function."""

from __future__ import annotations

import inspect
from typing import Any, Callable

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_EMPTY = inspect.Parameter.empty


class ArgumentBinder:
    """Maps ``(args, kwargs)`` of one callable to ``{parameter: value}``, defaults applied.

    ``skip_first`` drops the first parameter (``self``/``cls``) for bound calls, where the
    caller's positional arguments do not include it.
    """

    __slots__ = ("_signature", "_names", "_defaults", "_simple")

    def __init__(self, func: Callable[..., Any], skip_first: bool) -> None:
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):
            signature = None
        params = list(signature.parameters.values()) if signature is not None else []
        if skip_first and params and params[0].kind in _POSITIONAL:
            params = params[1:]
            signature = signature.replace(parameters=params) if signature is not None else None
        self._signature = signature
        self._names = tuple(p.name for p in params)
        self._defaults = {p.name: p.default for p in params if p.default is not _EMPTY}
        self._simple = signature is not None and all(p.kind in _POSITIONAL for p in params)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return self._names

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Arguments by parameter name in declaration order; never raises."""
        names = self._names
        count = len(args)
        if self._simple and count <= len(names):
            if not kwargs and count == len(names):
                return dict(zip(names, args))
            if not kwargs or all(name in names[count:] for name in kwargs):
                bound = dict(zip(names, args))
                defaults = self._defaults
                for name in names[count:]:
                    if name in kwargs:
                        bound[name] = kwargs[name]
                    elif name in defaults:
                        bound[name] = defaults[name]
                return bound
        return self._bind_slow(args, kwargs)

    def _bind_slow(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if self._signature is not None:
            try:
                bound = self._signature.bind(*args, **kwargs)
                bound.apply_defaults()
                return dict(bound.arguments)
            except TypeError:
                pass
        fallback: dict[str, Any] = {}
        if args:
            fallback["args"] = list(args)
        if kwargs:
            fallback["kwargs"] = dict(kwargs)
        return fallback
