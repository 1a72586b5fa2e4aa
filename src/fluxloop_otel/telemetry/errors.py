"""Recording an exception on a span: status, ``error.type`` and a bounded, masked exception event."""

from __future__ import annotations

from opentelemetry.trace import Span, Status, StatusCode

from fluxloop_otel.semconv import attributes as A
from fluxloop_otel.serialization import Serializer
from fluxloop_otel.serialization.exceptions import exception_message, exception_stacktrace, qualified_name


def record_error(span: Span, exc: BaseException, serializer: Serializer | None) -> None:
    """Status ERROR, an ``exception`` event (with stack trace) and ``error.type``.

    The message is read without trusting the exception's ``__str__`` (bounded, see
    :mod:`fluxloop_otel.serialization.exceptions`), then capped and secret-masked like content.
    """
    message = exception_message(exc)
    try:
        stacktrace = exception_stacktrace(exc, message)
    except Exception:  # a broken traceback must not hide the original error
        stacktrace = ""
    if serializer is not None:
        mask = serializer.masker.mask_text
        message = mask(serializer.truncate(message))
        stacktrace = mask(serializer.truncate(stacktrace))
    span.add_event(
        "exception",
        {
            "exception.type": qualified_name(type(exc)),
            "exception.message": message,
            "exception.stacktrace": stacktrace,
            "exception.escaped": "False",
        },
    )
    span.set_attribute(A.ERROR_TYPE, type(exc).__qualname__)
    span.set_status(Status(StatusCode.ERROR, message))
