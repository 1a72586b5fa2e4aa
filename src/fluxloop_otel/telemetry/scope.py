"""Session, user, metadata and tags carried on the OTel context, stamped on every span started inside.

``using_session()``/``using_user()``/``using_metadata()``/``using_tags()`` (public, in
:mod:`fluxloop_otel.core.scope`), ``instrument()``'s arguments and a LangGraph thread id put a
:class:`Scope` on the context under :data:`SCOPE_KEY`. Two readers:

* the emitter, for fluxloop-otel's own spans (no processor needed: instrumentors work alone);
* :class:`ScopeSpanProcessor` (added by ``configure()``), for every other span: LangChain's through
  us, other instrumentations' (httpx, openai-v2), a plain ``tracer.start_as_current_span``.

Across processes the session and user ids may travel as W3C baggage (``session.id``,
``user.id``): ``using_session(..., baggage=True)`` writes them, and a span whose context has
no scope but such baggage entries is stamped from them.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from opentelemetry import baggage as baggage_api
from opentelemetry import context as context_api
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from fluxloop_otel._compat import BAGGAGE_KEY, SUPPRESS_INSTRUMENTATION_KEY
from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.serialization import jsontext as _json

#: Context key of the current :class:`Scope`.
SCOPE_KEY = context_api.create_key("fluxloop_otel.scope")
#: Baggage entries read as the session and user ids.
BAGGAGE_SESSION = "session.id"
BAGGAGE_USER = "user.id"
#: The plain-string suppression key older instrumentations set and check.
SUPPRESS_PLAIN_KEY = "suppress_instrumentation"
#: The instrumentation scope name of fluxloop-otel's spans starts with this (the emitter stamped them already).
OWN_SCOPE_PREFIX = "fluxloop_otel"


class Scope:
    """Immutable: what spans started in a context carry (``None``/empty: nothing)."""

    __slots__ = ("session_id", "user_id", "metadata", "tags", "metadata_text")

    def __init__(
        self,
        session_id: str | None = None,
        user_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        tags: Sequence[str] = (),
        metadata_text: str | None = None,
    ) -> None:
        self.session_id = session_id
        self.user_id = user_id
        self.metadata: Mapping[str, Any] = dict(metadata) if metadata else {}
        self.tags: tuple[str, ...] = tuple(tags)
        #: The metadata as JSON text (made once per scope, masked by the caller's serializer).
        self.metadata_text = metadata_text

    def merged(
        self,
        session_id: str | None = None,
        user_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        tags: Sequence[str] = (),
        metadata_text: str | None = None,
    ) -> "Scope":
        """A scope nested in this one: ids replaced, metadata merged (inner keys win), tags added."""
        merged_metadata = {**self.metadata, **metadata} if metadata else self.metadata
        text = self.metadata_text
        if metadata:
            text = metadata_text if not self.metadata else _merge_texts(self.metadata_text, metadata_text)
        added = tuple(tag for tag in tags if tag not in self.tags)
        return Scope(
            session_id or self.session_id,
            user_id or self.user_id,
            merged_metadata,
            self.tags + added,
            text,
        )

    def __bool__(self) -> bool:
        return bool(self.session_id or self.user_id or self.metadata or self.tags)

    def __repr__(self) -> str:
        return f"Scope(session_id={self.session_id!r}, user_id={self.user_id!r}, metadata={dict(self.metadata)!r}, tags={self.tags!r})"


def is_tracing_suppressed(context: Context | None = None) -> bool:
    """Whether ``context`` (default: the current one) is inside ``suppress_tracing()`` or
    OpenTelemetry's ``suppress_instrumentation()`` (two dict lookups: cheap on the hot path)."""
    current = context if context is not None else context_api.get_current()
    return bool(current.get(SUPPRESS_INSTRUMENTATION_KEY) or current.get(SUPPRESS_PLAIN_KEY))


def current_scope(context: Context | None = None) -> Scope | None:
    """The scope of ``context`` (default: the current one), else one made from its baggage, else None."""
    current = context if context is not None else context_api.get_current()
    scope = current.get(SCOPE_KEY)
    if scope is not None:
        return scope if isinstance(scope, Scope) else None
    entries: Any = current.get(BAGGAGE_KEY) if BAGGAGE_KEY is not None else baggage_api.get_all(current)
    if entries:
        session, user = entries.get(BAGGAGE_SESSION), entries.get(BAGGAGE_USER)
        if session or user:
            return Scope(str(session) if session else None, str(user) if user else None)
    return None


def with_scope(
    context: Context | None = None,
    *,
    session_id: str | None = None,
    user_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Sequence[str] = (),
    metadata_text: str | None = None,
) -> Context:
    """``context`` (default: the current one) with its scope extended by the given values."""
    base = context_api.get_value(SCOPE_KEY, context)
    if isinstance(base, Scope):
        scope = base.merged(session_id, user_id, metadata, tags, metadata_text)
    else:
        scope = Scope(session_id, user_id, metadata, tags, metadata_text)
    return context_api.set_value(SCOPE_KEY, scope, context)


def _merge_texts(outer: str | None, inner: str | None) -> str | None:
    """Two serialized metadata objects merged (inner keys win); None when one is missing."""
    if outer is None or inner is None:
        return None
    try:
        a, b = _json.loads(outer), _json.loads(inner)
    except ValueError:
        return None
    return _json.dumps({**a, **b}) if isinstance(a, dict) and isinstance(b, dict) else None


def _metadata_text(scope: Scope) -> str:
    if scope.metadata_text is None:
        from fluxloop_otel.serialization import Serializer

        scope.metadata_text = Serializer().dumps(dict(scope.metadata), "metadata")
    return scope.metadata_text


def scope_attributes(scope: Scope, existing: Mapping[str, Any] | None) -> dict[str, Any]:
    """The attributes ``scope`` adds to a span that already has ``existing`` ones.

    A span's own session/user ids win; its own metadata keys win over the scope's; tags are
    merged (the span's first).
    """
    existing = existing or {}
    attributes: dict[str, Any] = {}
    if scope.session_id and A.SESSION_ID not in existing:
        attributes[A.SESSION_ID] = scope.session_id
        if A.GEN_AI_CONVERSATION_ID not in existing:
            attributes[A.GEN_AI_CONVERSATION_ID] = scope.session_id
    if scope.user_id and A.USER_ID not in existing:
        attributes[A.USER_ID] = scope.user_id
    if scope.tags:
        own = existing.get(A.TAG_TAGS)
        own_tags = [str(tag) for tag in own] if isinstance(own, (list, tuple)) else []
        extra = [tag for tag in scope.tags if tag not in own_tags]
        if extra:
            attributes[A.TAG_TAGS] = own_tags + extra
    if scope.metadata:
        own_text = existing.get(A.METADATA)
        if not isinstance(own_text, str) or not own_text:
            attributes[A.METADATA] = _metadata_text(scope)
        else:
            try:
                own = _json.loads(own_text)
            except ValueError:
                own = None
            if isinstance(own, dict):
                missing = [key for key in scope.metadata if key not in own]
                if missing:
                    scoped = _json.loads(_metadata_text(scope))
                    attributes[A.METADATA] = _json.dumps({**{k: scoped.get(k) for k in missing}, **own})
    return attributes


def stamp_scope(span: Span, context: Context) -> None:
    """Stamp the scope of ``context`` (a span's parent context) on ``span`` as it starts, unless
    fluxloop-otel's emitter made the span (and stamped it). Callers check first that ``context``
    holds a scope or baggage (two dict reads), so spans outside any scope cost nothing more."""
    instrumentation = span.instrumentation_scope
    if instrumentation is not None and instrumentation.name.startswith(OWN_SCOPE_PREFIX):
        return
    scope = current_scope(context)
    if not scope:
        return
    attributes = scope_attributes(scope, span.attributes)
    if attributes:
        span.set_attributes(attributes)


class ScopeSpanProcessor(SpanProcessor):
    """Stamps the scope of a span's parent context on it when it starts (spans of other
    instrumentations; fluxloop-otel's own are stamped by the emitter). ``configure()``'s fan-out
    processor does the same inline; add this one to a provider fluxloop-otel does not configure."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        context = parent_context if parent_context is not None else context_api.get_current()
        if context.get(SCOPE_KEY) is not None or context.get(BAGGAGE_KEY):
            stamp_scope(span, context)

    def on_end(self, span: ReadableSpan) -> None:
        return None


__all__ = [
    "BAGGAGE_SESSION",
    "BAGGAGE_USER",
    "SCOPE_KEY",
    "Scope",
    "ScopeSpanProcessor",
    "SUPPRESS_PLAIN_KEY",
    "current_scope",
    "is_tracing_suppressed",
    "scope_attributes",
    "stamp_scope",
    "with_scope",
]
