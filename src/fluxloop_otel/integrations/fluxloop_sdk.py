"""Bridge to the FluxLoop SDK: spans made inside an SDK ``instrument()`` block join its trace.

``fluxloop run experiment`` opens ``fluxloop.instrument(name)`` for every run, calls the agent,
calls ``EventBuffer.flush()`` and then reads ``observations.jsonl`` for its trace UUID. Once the
SDK is imported (before or after ``fluxloop_otel``), this module patches three SDK methods:

* ``FluxLoopContext.__init__``: also starts an OTel root span whose trace id *is* the SDK trace
  UUID (span id: the workflow-root id, see ``semconv.ids``) and makes it current, so every
  fluxloop-otel and LangChain span of the block carries the CLI's trace id. The root is marked
  ``fluxloop.trace.external``: the SDK writes the trace line, we write none.
* ``FluxLoopContext.finalize`` (run by ``instrument()`` on exit): ends that root span, with the
  block's exception as its error, and restores the previous context.
* ``EventBuffer.flush``: first writes everything fluxloop-otel has ended, so the observations are
  on disk when the CLI reads the file.

The SDK stays optional: without it only a post-import hook is registered. Decorated calls never
pass through this module, and a failure here is logged, never raised into the traced program.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import wrapt

from fluxloop_otel.config.setup import force_flush
from fluxloop_otel.core import runtime as _runtime
from fluxloop_otel.core.context import TraceContext, _current_trace
from fluxloop_otel.semconv.ids import trace_id_from_uuid
from fluxloop_otel.telemetry import Telemetry, WorkflowInvocation, attach, detach
from fluxloop_otel.telemetry.attributes import context_attributes

logger = logging.getLogger("fluxloop_otel.integrations")

SDK_MODULE = "fluxloop"
FLUSH_TIMEOUT_SECONDS = 30.0

#: Attribute set on an SDK ``FluxLoopContext`` instance: (span, context token, trace token, exception at entry).
_STATE = "_fluxloop_otel_bridge"

_hook_registered = False
_patched: list[tuple[Any, str]] = []
_warned: set[str] = set()


def install() -> None:
    """Patch the SDK when it is (or once it gets) imported; idempotent and cheap."""
    global _hook_registered
    if _hook_registered:
        return
    _hook_registered = True
    module = sys.modules.get(SDK_MODULE)
    if module is not None:
        patch_sdk(module)
    else:
        wrapt.register_post_import_hook(patch_sdk, SDK_MODULE)


def is_patched() -> bool:
    """Whether the FluxLoop SDK in this process is bridged."""
    return bool(_patched)


def patch_sdk(module: Any = None) -> bool:
    """Apply the three patches to an imported SDK; False (and no change) when it does not fit."""
    if _patched:
        return True
    try:
        context_cls = sys.modules[f"{SDK_MODULE}.context"].FluxLoopContext
        buffer_cls = sys.modules[f"{SDK_MODULE}.buffer"].EventBuffer
        targets = (
            (context_cls, "__init__", _context_init),
            (context_cls, "finalize", _context_finalize),
            (buffer_cls, "flush", _buffer_flush),
        )
        if not all(callable(getattr(owner, name, None)) for owner, name, _ in targets):
            raise AttributeError("FluxLoopContext.__init__/finalize or EventBuffer.flush missing")
        for owner, name, wrapper in targets:
            wrapt.wrap_function_wrapper(owner, name, wrapper)
            _patched.append((owner, name))
    except Exception as exc:  # another package named "fluxloop", or an SDK too different to bridge
        _warn_once(
            "patch",
            "fluxloop-otel: FluxLoop SDK found but not bridged (%r); its traces and ours stay separate",
            exc,
        )
        unpatch_sdk()
        return False
    logger.debug("fluxloop-otel: FluxLoop SDK bridged")
    return True


def unpatch_sdk() -> None:
    """Undo :func:`patch_sdk` (used by tests)."""
    while _patched:
        owner, name = _patched.pop()
        wrapper = owner.__dict__.get(name)
        if isinstance(wrapper, wrapt.FunctionWrapper):
            setattr(owner, name, wrapper.__wrapped__)


# -- the wrappers -------------------------------------------------------------------------------
def _context_init(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    wrapped(*args, **kwargs)
    try:
        _start_root(instance)
    except Exception as exc:
        _warn_once("start", "fluxloop-otel: could not join the FluxLoop SDK trace: %r", exc)


def _context_finalize(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        _end_root(instance)
    except Exception as exc:
        _warn_once("end", "fluxloop-otel: could not end the FluxLoop SDK trace span: %r", exc)
    return wrapped(*args, **kwargs)


def _buffer_flush(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if _runtime.current is not None:  # nothing traced yet: nothing to write
        try:
            force_flush(FLUSH_TIMEOUT_SECONDS)
        except Exception as exc:
            _warn_once("flush", "fluxloop-otel: flush before the FluxLoop SDK flush failed: %r", exc)
    return wrapped(*args, **kwargs)


# -- root span of one SDK trace -------------------------------------------------------------------
def _start_root(context: Any) -> None:
    rt = _runtime.get()
    if not rt.enabled:
        return
    _check_directories(rt.settings, getattr(context, "config", None))
    trace = context.trace
    record = WorkflowInvocation(str(trace.name), trace_id=trace_id_from_uuid(trace.id), external=True)
    span = rt.telemetry.start_root(record)
    token = attach(span)
    trace_context = TraceContext(
        span, metadata=dict(trace.metadata or {}), tags=list(trace.tags or []), user_id=trace.user_id
    )
    trace_token = _current_trace.set(trace_context)
    setattr(context, _STATE, (rt.telemetry, record, token, trace_token, sys.exc_info()[1]))


def _end_root(context: Any) -> None:
    state = context.__dict__.pop(_STATE, None)
    if state is None:
        return
    telemetry, record, token, trace_token, exception_at_entry = state
    try:
        _current_trace.reset(trace_token)
    except ValueError:  # finalized in another context
        pass
    detach(token)
    _copy_trace_fields(telemetry, record, context.trace)
    exception = sys.exc_info()[1]  # instrument() finalizes in a ``finally``: the block's exception, if any
    if exception is not None and exception is not exception_at_entry:
        telemetry.fail(record, exception)
    else:
        telemetry.stop(record)


def _check_directories(settings: Any, sdk_config: Any) -> None:
    """Warn (once) when our observations go elsewhere than where the SDK, and so the CLI, reads."""
    if (
        sdk_config is None
        or not getattr(sdk_config, "offline_store_enabled", False)
        or not settings.offline_store_enabled
    ):
        return
    ours = os.path.abspath(settings.offline_store_dir)
    theirs = os.path.abspath(str(sdk_config.offline_store_dir))
    if ours != theirs:
        _warn_once(
            "directory",
            "fluxloop-otel: observations go to %s but the FluxLoop SDK writes (and `fluxloop run` reads) %s; "
            "set FLUXLOOP_OFFLINE_DIR=%s (or configure(offline_store_dir=...)) to match",
            ours,
            theirs,
            theirs,
        )


def _copy_trace_fields(telemetry: Telemetry, record: WorkflowInvocation, trace: Any) -> None:
    """Metadata, tags, session and user the CLI added to the SDK trace, for OTel backends."""
    record.metadata = trace.metadata or None
    record.tags = [str(tag) for tag in trace.tags] if trace.tags else None
    record.session_id = str(trace.session_id) if trace.session_id else None
    record.user_id = str(trace.user_id) if trace.user_id else None
    record.end_attributes = context_attributes(record, telemetry.serializer) or None


def _warn_once(key: str, message: str, *args: Any) -> None:
    if key not in _warned:
        _warned.add(key)
        logger.warning(message, *args)
    else:
        logger.debug(message, *args)
