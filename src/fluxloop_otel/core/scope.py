"""``using_session``, ``using_user``, ``using_metadata``, ``using_tags``, ``using_attributes`` and
``suppress_tracing``: context managers over the OTel context (OpenInference's names).

Every span started inside a ``using_*`` block carries its values: fluxloop-otel's own spans,
LangChain's, and other instrumentations' (httpx, openai-v2, a plain ``tracer.start_as_current_span``)
through the span processor ``configure()`` adds (see :mod:`fluxloop_otel.telemetry.scope`).
They nest (metadata merged, tags added, the innermost ids win), work with ``with`` and
``async with``, and as decorators of plain functions; the context is restored on exit, in the
frame that entered.

``suppress_tracing()`` sets OpenTelemetry's suppression keys: nothing started inside is
traced by fluxloop-otel (decorators, ``instrument()``, LangChain) or by any instrumentation that
honours them (``opentelemetry-instrumentation-*`` packages check ``is_instrumentation_enabled()``).
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Mapping
from typing import Any, Sequence

from opentelemetry import baggage as baggage_api
from opentelemetry import context as context_api

from fluxloop_otel._compat import SUPPRESS_HTTP_INSTRUMENTATION_KEY, SUPPRESS_INSTRUMENTATION_KEY
from fluxloop_otel.core import runtime as _runtime
from fluxloop_otel.serialization import Serializer
from fluxloop_otel.telemetry.scope import (
    BAGGAGE_SESSION,
    BAGGAGE_USER,
    SUPPRESS_PLAIN_KEY,
    current_scope,
    is_tracing_suppressed,
    with_scope,
)

logger = logging.getLogger("fluxloop_otel")
_warned: set[str] = set()


def _warn_once(name: str, value: Any, expected: str) -> None:
    """A wrong value never affects the program: one warning per kind, and the value is ignored."""
    if name not in _warned:
        _warned.add(name)
        logger.warning("fluxloop-otel: using_*(%s=...) got a %s, expected %s; ignored", name, type(value).__name__, expected)


class _ContextBlock(contextlib.ContextDecorator):
    """Attach a context on enter, detach it on exit (sync, async, or as a decorator)."""

    def _context(self) -> context_api.Context:
        raise NotImplementedError

    def _recreate_cm(self) -> "_ContextBlock":  # each decorated call gets its own token list
        clone = copy.copy(self)
        clone._tokens = []
        return clone

    def __enter__(self) -> "_ContextBlock":
        tokens = getattr(self, "_tokens", None)
        if tokens is None:
            tokens = self._tokens = []  # type: ignore[var-annotated]
        tokens.append(context_api.attach(self._context()))
        return self

    def __exit__(self, *exc: object) -> None:
        token = self._tokens.pop()
        try:
            context_api.detach(token)
        except Exception:
            pass

    async def __aenter__(self) -> "_ContextBlock":
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)


class using_attributes(_ContextBlock):  # noqa: N801 - OpenInference's name
    """Session, user, metadata and tags on every span started inside.

    ``baggage=True`` also puts the session and user ids in W3C baggage, so they travel with
    outgoing requests to other services (off by default: baggage goes to every host called).
    """

    def __init__(
        self,
        *,
        session_id: Any = None,
        user_id: Any = None,
        metadata: Mapping[str, Any] | None = None,
        tags: Sequence[str] | None = None,
        baggage: bool = False,
    ) -> None:
        if metadata is not None and not isinstance(metadata, Mapping):
            _warn_once("metadata", metadata, "a mapping")
            metadata = None
        if isinstance(tags, str):
            tags = [tags]
        elif tags is not None and not isinstance(tags, (list, tuple, set, frozenset)):
            _warn_once("tags", tags, "a list of strings")
            tags = None
        self.session_id = None if session_id is None else str(session_id)
        self.user_id = None if user_id is None else str(user_id)
        self.metadata = dict(metadata) if metadata else None
        self.tags = tuple(str(tag) for tag in tags) if tags else ()
        self.baggage = bool(baggage)

    def _context(self) -> context_api.Context:
        metadata_text = None
        if self.metadata:  # serialized once per block, masked and redacted like any metadata
            active = _runtime.current
            serializer = active.serializer if active is not None else Serializer()
            metadata_text = serializer.dumps(self.metadata, "metadata")
        context = with_scope(
            session_id=self.session_id,
            user_id=self.user_id,
            metadata=self.metadata,
            tags=self.tags,
            metadata_text=metadata_text,
        )
        if self.baggage:
            if self.session_id:
                context = baggage_api.set_baggage(BAGGAGE_SESSION, self.session_id, context)
            if self.user_id:
                context = baggage_api.set_baggage(BAGGAGE_USER, self.user_id, context)
        return context


class using_session(using_attributes):  # noqa: N801
    """``session.id`` and ``gen_ai.conversation.id`` on every span started inside."""

    def __init__(self, session_id: Any, *, baggage: bool = False) -> None:
        super().__init__(session_id=session_id, baggage=baggage)


class using_user(using_attributes):  # noqa: N801
    """``user.id`` on every span started inside."""

    def __init__(self, user_id: Any, *, baggage: bool = False) -> None:
        super().__init__(user_id=user_id, baggage=baggage)


class using_metadata(using_attributes):  # noqa: N801
    """``metadata`` (JSON; merged with a span's own, whose keys win) on every span started inside."""

    def __init__(self, metadata: Mapping[str, Any]) -> None:
        super().__init__(metadata=metadata)


class using_tags(using_attributes):  # noqa: N801
    """``tag.tags`` (added to a span's own) on every span started inside."""

    def __init__(self, tags: Sequence[str]) -> None:
        super().__init__(tags=tags)


class suppress_tracing(_ContextBlock):  # noqa: N801
    """Nothing started inside is traced (OTel's instrumentation and HTTP suppression keys)."""

    def _context(self) -> context_api.Context:
        context = context_api.set_value(SUPPRESS_INSTRUMENTATION_KEY, True)
        context = context_api.set_value(SUPPRESS_PLAIN_KEY, True, context)
        return context_api.set_value(SUPPRESS_HTTP_INSTRUMENTATION_KEY, True, context)


__all__ = [
    "current_scope",
    "is_tracing_suppressed",
    "suppress_tracing",
    "using_attributes",
    "using_metadata",
    "using_session",
    "using_tags",
    "using_user",
]
