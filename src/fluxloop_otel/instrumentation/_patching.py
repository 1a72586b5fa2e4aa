"""Symmetric wrapt patching for the framework instrumentations (NAT, AGNT5).

:class:`Patches` applies ``wrapt.wrap_function_wrapper`` patches when their module is imported
(at once if it already is: importing a framework's heavy modules is never our doing) and
undoes exactly what it applied on :meth:`Patches.remove`.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import wrapt
from opentelemetry.instrumentation.utils import unwrap

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]


class Patches:
    """A set of ``(module, "Class.attribute", wrapper)`` patches applied together."""

    def __init__(self) -> None:
        self._applied: list[tuple[Any, str]] = []
        self._pending: dict[str, list[tuple[str, Wrapper, bool]]] = {}
        self._generation = 0

    def wrap(self, module: str, name: str, wrapper: Wrapper, unless_wrapped: bool = False) -> None:
        """Patch ``module.name`` now if ``module`` is imported, else as soon as it is.

        ``unless_wrapped``: leave an attribute that already is a wrapt wrapper alone (a package
        re-exporting a function its submodule's patch already wrapped when it was imported).
        """
        loaded = sys.modules.get(module)
        if loaded is not None:
            self._apply(loaded, name, wrapper, unless_wrapped)
            return
        first = module not in self._pending
        self._pending.setdefault(module, []).append((name, wrapper, unless_wrapped))
        if first:
            generation = self._generation

            def hook(imported: Any, module: str = module) -> None:
                if generation != self._generation:
                    return  # removed (or re-applied) since
                for attribute, pending_wrapper, unless_wrapped in self._pending.pop(module, ()):
                    self._apply(imported, attribute, pending_wrapper, unless_wrapped)

            wrapt.register_post_import_hook(hook, module)

    def _apply(self, module: Any, name: str, wrapper: Wrapper, unless_wrapped: bool = False) -> None:
        owner: Any = module
        path = name.split(".")
        for part in path[:-1]:
            owner = getattr(owner, part)
        if unless_wrapped and isinstance(getattr(owner, path[-1], None), (wrapt.FunctionWrapper, wrapt.BoundFunctionWrapper)):
            return
        wrapt.wrap_function_wrapper(owner, path[-1], wrapper)
        self._applied.append((owner, path[-1]))

    def remove(self) -> None:
        """Undo every applied patch and forget the pending ones."""
        self._generation += 1
        self._pending.clear()
        for owner, attribute in reversed(self._applied):
            unwrap(owner, attribute)
        self._applied.clear()

    @property
    def applied(self) -> list[tuple[Any, str]]:
        return list(self._applied)
