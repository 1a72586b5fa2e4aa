"""``Embeddings.embed_query`` / ``embed_documents`` (and async) -> ``embedding`` spans.

LangChain's callbacks do not report embedding calls, and every provider overrides these
methods, so they are wrapped (wrapt) on each ``Embeddings`` subclass: the ones that exist
when instrumentation starts, and, through an ``__init_subclass__`` hook on ``Embeddings``,
the ones defined later. A call made inside another embedding call (the default
``aembed_query`` runs ``embed_query`` in a thread) records one span, not two.
"""

from __future__ import annotations

import contextvars
from typing import Any, Callable

import wrapt
from opentelemetry.instrumentation.utils import is_instrumentation_enabled, unwrap

from fluxloop_otel.telemetry import UNSET, EmbeddingInvocation, Telemetry, attach, detach

#: Method name -> whether it is a coroutine function.
METHODS = {"embed_documents": False, "embed_query": False, "aembed_documents": True, "aembed_query": True}
_inside: contextvars.ContextVar[bool] = contextvars.ContextVar("fluxloop_otel_in_embedding", default=False)


def _model(instance: Any) -> str | None:
    for key in ("model", "model_name", "deployment", "model_id"):
        value = getattr(instance, key, None)
        if isinstance(value, str) and value:
            return value
    return None


def _provider(instance: Any) -> str | None:
    package = type(instance).__module__.split(".", 1)[0]
    if package.startswith("langchain_") and package not in ("langchain_core", "langchain_community"):
        return package[len("langchain_") :]
    return None


class EmbeddingCall:
    """wrapt wrapper of one embed method: an ``embedding`` record around the call."""

    __slots__ = ("is_async", "handler")

    def __init__(self, is_async: bool, handler: Any) -> None:
        self.is_async = is_async
        #: The instrumentor's callback handler: its ``telemetry`` and ``enabled`` switch.
        self.handler = handler

    def __call__(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        handler = self.handler
        if instance is None or not handler.enabled or _inside.get() or not is_instrumentation_enabled():
            return wrapped(*args, **kwargs)
        telemetry = handler.telemetry
        if self.is_async:
            return self._call_async(telemetry, wrapped, instance, args, kwargs)
        try:
            record, tokens = self._start(telemetry, instance, args, kwargs)
        except Exception:  # tracing must never break the traced program
            return wrapped(*args, **kwargs)
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exc:
            self._end(telemetry, record, tokens, exc)
            raise
        record.output = result
        self._end(telemetry, record, tokens, None)
        return result

    async def _call_async(
        self, telemetry: Telemetry, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        try:
            record, tokens = self._start(telemetry, instance, args, kwargs)
        except Exception:
            return await wrapped(*args, **kwargs)
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as exc:
            self._end(telemetry, record, tokens, exc)
            raise
        record.output = result
        self._end(telemetry, record, tokens, None)
        return result

    @staticmethod
    def _start(
        telemetry: Telemetry, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[EmbeddingInvocation, tuple[Any, Any]]:
        texts = args[0] if args else next(iter(kwargs.values()), None)
        record = EmbeddingInvocation(
            type(instance).__name__,
            request_model=_model(instance),
            provider=_provider(instance),
            input=UNSET if texts is None else texts,
        )
        span = telemetry.start(record)
        return record, (_inside.set(True), attach(span))

    @staticmethod
    def _end(telemetry: Telemetry, record: EmbeddingInvocation, tokens: tuple[Any, Any], error: BaseException | None) -> None:
        detach(tokens[1])
        _inside.reset(tokens[0])
        try:
            if error is not None:
                telemetry.fail(record, error)
            else:
                telemetry.stop(record)
        except Exception:
            pass


def _subclasses(root: type) -> list[type]:
    found: list[type] = []
    pending = [root]
    while pending:
        cls = pending.pop()
        sub: type
        for sub in cls.__subclasses__():
            if sub not in found:
                found.append(sub)
                pending.append(sub)
    return found


class EmbeddingsPatcher:
    """Wraps the embed methods of every ``Embeddings`` subclass, present and future."""

    def __init__(self, handler: Any) -> None:
        self._handler = handler
        self._patched: list[tuple[type, str]] = []
        self._root: type | None = None
        self._hook: Any = None

    def patch(self) -> None:
        from langchain_core.embeddings import Embeddings

        self._root = Embeddings
        for cls in [Embeddings, *_subclasses(Embeddings)]:
            self.patch_class(cls)
        self._install_subclass_hook(Embeddings)

    def unpatch(self) -> None:
        if (
            self._root is not None
            and self._hook is not None
            and self._root.__dict__.get("__init_subclass__") is self._hook
        ):
            delattr(self._root, "__init_subclass__")
        for cls, name in reversed(self._patched):
            unwrap(cls, name)
        self._patched.clear()
        self._root = None

    def patch_class(self, cls: type) -> None:
        """Wrap the embed methods ``cls`` defines itself (inherited ones are already wrapped)."""
        for name, is_async in METHODS.items():
            method = cls.__dict__.get(name)
            if (
                method is None
                or isinstance(method, wrapt.FunctionWrapper)
                or getattr(method, "__isabstractmethod__", False)
            ):
                continue
            if not callable(method):
                continue
            try:
                wrapt.wrap_function_wrapper(cls, name, EmbeddingCall(is_async, self._handler))
            except Exception:  # an exotic class (slots, frozen metaclass): leave it untraced
                continue
            self._patched.append((cls, name))

    def _install_subclass_hook(self, root: type) -> None:
        # Python has no wrapt-able "a subclass was defined" point: a cooperative
        # __init_subclass__ on Embeddings itself (removed again by unpatch()).
        if "__init_subclass__" in root.__dict__:
            return
        patcher = self

        def __init_subclass__(cls: Any, /, **kwargs: Any) -> None:
            super(root, cls).__init_subclass__(**kwargs)  # type: ignore[arg-type]
            try:
                patcher.patch_class(cls)
            except Exception:
                pass

        self._hook = classmethod(__init_subclass__)
        root.__init_subclass__ = self._hook  # type: ignore[method-assign]
