"""JSON serialization that never raises, never calls untrusted ``__repr__``/``__str__``,
masks secrets, and caps size with a visible marker."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import json
import logging
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Callable

from fluxloop_otel.serialization import jsontext as _json
from fluxloop_otel.serialization.redaction import MASK, MIN_SECRET_VALUE_LENGTH, SecretMasker

logger = logging.getLogger(__name__)

TRUNCATION_MARKER = "…[truncated {n} chars]"
#: Room above ``max_chars`` for the marker, quotes and escapes in a capped value.
MARKER_SLACK = 64
MAX_DEPTH = 24
MAX_ITEMS = 1000

#: A user hook ``redact(value, field) -> value``, called once for every string leaf of
#: recorded content: ``value`` is the string (already capped and secret-masked), ``field``
#: its dotted path (``input.email``, ``output.messages.0.parts.0.content``, ``metadata.customer``;
#: see :meth:`Serializer.redact_leaves`). What it returns is recorded instead (a non-string
#: is serialized); raising replaces that string with a marker (never the raw value).
RedactHook = Callable[[Any, str], Any]

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
_SCALARS = (str, int, float, bool, type(None))
_SORTABLE = frozenset({str, int, float, bool, type(None), bytes})
# Types whose repr is produced by trusted (standard library) code.
_TRUSTED_REPR_MODULES = frozenset({"builtins", "datetime", "decimal", "fractions", "ipaddress", "pathlib"})


class _Cycle:
    """Marker type for a reference back to an enclosing container."""


def _type_label(value: Any) -> str:
    cls = type(value)
    return f"<{cls.__module__}.{cls.__qualname__}>"


class Serializer:
    """Converts values to JSON text for span attributes and FluxLoop records.

    ``max_chars`` caps every string inside a value, and the whole JSON text at
    ``max_chars + MARKER_SLACK``; a capped value stays valid JSON and carries
    ``…[truncated N chars]``.
    """

    def __init__(
        self,
        max_chars: int = 20000,
        masker: SecretMasker | None = None,
        redact: RedactHook | None = None,
    ) -> None:
        self.max_chars = max(int(max_chars), 64)
        self.masker = masker or SecretMasker()
        self.redact_hook = redact
        self.errors = 0

    # -- public API -----------------------------------------------------------------------
    def to_jsonable(self, value: Any, field: str = "value", _flat_tried: bool = False) -> Any:
        """A JSON-compatible copy of ``value`` (redacted, masked, capped). Never raises."""
        result: Any
        try:
            result = self._flat_dict(value) if type(value) is dict and not _flat_tried else None
            if result is None:
                result = self._convert(value, 0, None)
        except RecursionError:
            result = "<unserializable: recursion limit>"
        except Exception as exc:  # defensive: _convert guards every user call already
            self.errors += 1
            result = f"<unserializable: {type(exc).__name__}>"
        if self.redact_hook is not None:
            result = self.redact_leaves(result, field)
        return result

    def dumps(self, value: Any, field: str = "value") -> str:
        """JSON text for ``value``: valid JSON, at most about ``max_chars`` characters."""
        if type(value) is dict and self.redact_hook is None:  # hot path: bound arguments
            flat = self._flat_dict(value)
            if flat is not None:
                text = _json.dumps(flat)
                return text if len(text) <= self.max_chars + MARKER_SLACK else self._encode_capped_text(text)
            return self.encode(self.to_jsonable(value, field, _flat_tried=True))
        return self.encode(self.to_jsonable(value, field))

    def encode(self, jsonable: Any) -> str:
        """JSON text of an already JSON-compatible value, capped."""
        try:
            text = _json.dumps(jsonable)
        except Exception as exc:  # only reachable through a broken redact hook result
            self.errors += 1
            text = _encoder.encode(f"<unserializable: {type(exc).__name__}>")
        if len(text) > self.max_chars + MARKER_SLACK:
            text = self._encode_capped_text(text)
        return text

    def _encode_capped_text(self, text: str) -> str:
        """A JSON string holding the start of ``text`` and the marker, at most the cap + slack."""
        keep = self.max_chars
        while True:
            encoded = _encoder.encode(text[:keep] + TRUNCATION_MARKER.format(n=len(text) - keep))
            overflow = len(encoded) - (self.max_chars + MARKER_SLACK)
            if overflow <= 0 or keep == 0:
                return encoded
            keep = max(0, keep - overflow)

    def text(self, value: str, field: str = "value") -> str:
        """A plain string value, masked and capped (no JSON quoting); ``field`` is its path for the hook."""
        if self.redact_hook is None:
            return value if len(value) < MIN_SECRET_VALUE_LENGTH else self._string(value)
        redacted = self._apply_redact(self._string(value), field)
        return redacted if isinstance(redacted, str) else self.encode(redacted)

    def redact_leaves(self, value: Any, path: str) -> Any:
        """``value`` (JSON-compatible, already converted) with the hook applied to each string leaf.

        The hook is called with ``(leaf, path)``: ``path`` is ``field`` followed by the dict
        keys and list indices leading to the leaf, joined by dots (``input.user.email``,
        ``output.messages.0.parts.0.content``); a string value on its own has ``field`` as path.
        Dict keys, numbers, booleans and nulls are not passed to the hook.
        """
        if self.redact_hook is None:
            return value
        try:
            return self._redact(value, path, 0)
        except RecursionError:
            return "<redacted: content too deep>"

    def _redact(self, value: Any, path: str, depth: int) -> Any:
        if type(value) is str:
            return self._apply_redact(value, path)
        if depth > MAX_DEPTH + 2:
            return "<max depth reached>"
        if type(value) is dict:
            return {key: self._redact(item, f"{path}.{key}", depth + 1) for key, item in value.items()}
        if type(value) is list:
            return [self._redact(item, f"{path}.{index}", depth + 1) for index, item in enumerate(value)]
        return value

    def truncate(self, text: str) -> str:
        """Cut ``text`` to ``max_chars`` with the visible truncation marker."""
        if len(text) <= self.max_chars:
            return text
        return text[: self.max_chars] + TRUNCATION_MARKER.format(n=len(text) - self.max_chars)

    # -- conversion -----------------------------------------------------------------------
    def _flat_dict(self, value: dict[Any, Any]) -> dict[str, Any] | None:
        """Fast path for the common case (bound arguments of scalars); None if not flat."""
        if len(value) > 64:
            return None
        secret_cache = self.masker.cache
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                return None
            secret = secret_cache.get(key)
            if secret is None:
                secret = self.masker.is_secret_key(key)
            kind = type(item)
            if secret:
                out[key] = MASK
            elif kind is str:
                out[key] = item if len(item) < MIN_SECRET_VALUE_LENGTH else self._string(item)
            elif kind is int or kind is bool or item is None:
                out[key] = item
            else:
                return None
        return out

    def _string(self, value: str) -> str:
        if len(value) > self.max_chars:
            value = self.truncate(value)
        return self.masker.mask_text(value)

    def _convert(self, value: Any, depth: int, seen: set[int] | None) -> Any:
        cls = type(value)
        if cls is str:
            return self._string(value)
        if cls is int or cls is bool or value is None:
            return value
        if cls is float:
            return value if math.isfinite(value) else str(value)
        if depth >= MAX_DEPTH:
            return "<max depth reached>"
        converter = _converter_cache.get(cls)  # a registered type (LangChain messages...): no ABC test
        if converter is not None:
            return self._converted(value, converter, depth, seen)
        if cls is dict or cls is list or cls is tuple or isinstance(value, (Mapping, list, tuple, set, frozenset)):
            marker = id(value)
            if seen is None:
                seen = set()
            elif marker in seen:
                return "<cycle>"
            seen.add(marker)
            try:
                if cls is dict or (cls is not list and cls is not tuple and isinstance(value, Mapping)):
                    return self._mapping(value, depth, seen)
                return self._sequence(value, depth, seen)
            finally:
                seen.discard(marker)
        return self._object(value, depth, seen)

    def _mapping(self, value: Mapping[Any, Any], depth: int, seen: set[int]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        is_secret = self.masker.is_secret_key
        secret_cache = self.masker.cache
        try:
            items = list(value.items())
        except Exception:
            return {"<unserializable>": _type_label(value)}
        for index, (key, item) in enumerate(items):
            if index >= MAX_ITEMS:
                out["…"] = f"[{len(items) - MAX_ITEMS} more items truncated]"
                break
            name = key if type(key) is str else self._key(key)
            secret = secret_cache.get(name)  # is_secret(name), its cache read inline
            if secret is None:
                secret = is_secret(name)
            if secret:
                out[name] = MASK
                continue
            kind = type(item)  # scalars inline (what _convert does with them, without the call)
            if kind is str:
                out[name] = item if len(item) < MIN_SECRET_VALUE_LENGTH else self._string(item)
            elif kind is int or kind is bool or item is None:
                out[name] = item
            else:
                out[name] = self._convert(item, depth + 1, seen)
        return out

    def _key(self, key: Any) -> str:
        if isinstance(key, enum.Enum):
            key = key.value
        if isinstance(key, (str, int, float, bool)) or key is None:
            return self._string(str(key))
        converted = self._convert(key, MAX_DEPTH - 1, None)
        return converted if isinstance(converted, str) else _encoder.encode(converted)

    def _sequence(self, value: Any, depth: int, seen: set[int]) -> list[Any]:
        if isinstance(value, (set, frozenset)):
            value = list(value)
            # Sorted for stable output, by repr only when repr is the interpreter's own
            # (a user __repr__ may raise or hang).
            if len(value) <= MAX_ITEMS and all(type(item) in _SORTABLE for item in value):
                try:
                    value.sort(key=repr)
                except Exception:
                    pass
        convert = self._convert
        out = []
        for item in value[:MAX_ITEMS] if len(value) > MAX_ITEMS else value:
            kind = type(item)  # scalars inline (what _convert does with them, without the call)
            if kind is str:
                out.append(item if len(item) < MIN_SECRET_VALUE_LENGTH else self._string(item))
            elif kind is int or kind is bool or item is None:
                out.append(item)
            elif (converter := _converter_cache.get(kind)) is not None and depth + 1 < MAX_DEPTH:
                out.append(self._converted(item, converter, depth + 1, seen))  # a message in a list
            else:
                out.append(convert(item, depth + 1, seen))
        if len(value) > MAX_ITEMS:
            out.append(f"…[{len(value) - MAX_ITEMS} more items truncated]")
        return out

    def _object(self, value: Any, depth: int, seen: set[int] | None) -> Any:
        """Non-container values: known types first, then guarded conversion hooks."""
        if isinstance(value, str):
            return self._string(str.__str__(value))
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int.__index__(value) if not isinstance(value, enum.Enum) else self._enum(value, depth, seen)
        if isinstance(value, float):
            number = float(value)
            return number if math.isfinite(number) else str(number)
        if isinstance(value, enum.Enum):
            return self._enum(value, depth, seen)
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            return value.isoformat()
        if isinstance(value, _dt.timedelta):
            return value.total_seconds()
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, Decimal):
            return str(value) if not value.is_finite() else float(value)
        if isinstance(value, PurePath):
            return self._string(str(value))
        if isinstance(value, (bytes, bytearray, memoryview)):
            return self._string(bytes(value[: self.max_chars * 4]).decode("utf-8", errors="replace"))
        if isinstance(value, BaseException):
            return self._string(f"{type(value).__name__}: {self._safe_exception_text(value)}")
        converter = converter_for(type(value))
        if converter is not None:
            return self._converted(value, converter, depth, seen)
        converted = self._via_hooks(value)
        if converted is not _MISSING:
            return self._convert(converted, depth + 1, seen)
        return self._repr(value)

    def _converted(self, value: Any, converter: Callable[[Any], Any], depth: int, seen: set[int] | None) -> Any:
        """``value`` through its registered converter, then converted itself."""
        try:
            converted = converter(value)
        except Exception as exc:
            self.errors += 1
            return f"<unserializable {_type_label(value)}: {type(exc).__name__}>"
        if type(converted) is dict and depth + 1 < MAX_DEPTH:  # a fresh dict (no cycle through it): straight in
            return self._mapping(converted, depth + 1, seen if seen is not None else set())
        return self._convert(converted, depth + 1, seen)

    def _enum(self, value: enum.Enum, depth: int, seen: set[int] | None) -> Any:
        return self._convert(value.value, depth + 1, seen)

    def _via_hooks(self, value: Any) -> Any:
        """Pydantic v2/v1 models, dataclasses, ``to_dict()``/``tolist()``; guarded."""
        cls = type(value)
        try:
            if hasattr(cls, "model_dump") and hasattr(cls, "model_fields"):
                return value.model_dump(mode="json")
            if hasattr(cls, "dict") and hasattr(cls, "__fields__") and callable(getattr(cls, "dict")):
                return value.dict()
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                return {f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
            for method in ("to_dict", "tolist", "to_list", "_asdict"):
                hook = getattr(cls, method, None)
                if callable(hook):
                    return getattr(value, method)()
        except RecursionError:
            self.errors += 1
            return f"<unserializable {_type_label(value)}: recursion>"
        except Exception as exc:
            self.errors += 1
            return f"<unserializable {_type_label(value)}: {type(exc).__name__}>"
        return _MISSING

    def _repr(self, value: Any) -> str:
        cls = type(value)
        owner = next((klass for klass in cls.__mro__ if "__repr__" in klass.__dict__), object)
        if owner is object or owner.__module__ not in _TRUSTED_REPR_MODULES:
            # Never run a user-defined __repr__/__str__: it may raise, hang or leak.
            return _type_label(value)
        try:
            return self._string(repr(value))
        except Exception:
            return _type_label(value)

    @staticmethod
    def _safe_exception_text(exc: BaseException) -> str:
        args = exc.args
        if len(args) == 1 and isinstance(args[0], (str, int, float)):
            return str.__str__(str(args[0])) if not isinstance(args[0], str) else str.__str__(args[0])
        return _encoder.encode([a if isinstance(a, (str, int, float, bool)) else _type_label(a) for a in args])

    def _apply_redact(self, value: Any, field: str) -> Any:
        try:
            redacted = self.redact_hook(value, field)  # type: ignore[misc]
        except Exception as exc:
            self.errors += 1
            _log_hook_failure(exc)
            return f"<redacted: redaction hook raised {type(exc).__name__}>"
        try:
            return self._convert(redacted, 0, None)
        except Exception:
            return "<redacted: unserializable hook result>"


_MISSING = object()
_hook_failure_logged = False

#: Framework classes -> a function giving their plain-data form (registered by instrumentations).
_converters: dict[type, Callable[[Any], Any]] = {}
_converter_cache: dict[type, Callable[[Any], Any] | None] = {}


def register_converter(cls: type, convert: Callable[[Any], Any]) -> None:
    """Serialize instances of ``cls`` (and subclasses) as ``convert(value)`` (plain data).

    Instrumentations register their framework's message, document and prompt classes, so
    content holding them is recorded compactly instead of as a full model dump.
    """
    _converters[cls] = convert
    _converter_cache.clear()


def unregister_converter(cls: type) -> None:
    _converters.pop(cls, None)
    _converter_cache.clear()


def converter_for(cls: type) -> Callable[[Any], Any] | None:
    """The registered converter of ``cls`` or of its nearest registered base class."""
    try:
        return _converter_cache[cls]
    except KeyError:
        pass
    found = None
    if _converters:
        for klass in cls.__mro__:
            found = _converters.get(klass)
            if found is not None:
                break
    if len(_converter_cache) < 4096:
        _converter_cache[cls] = found
    return found


def _log_hook_failure(exc: BaseException) -> None:
    global _hook_failure_logged
    if not _hook_failure_logged:
        _hook_failure_logged = True
        logger.warning("fluxloop-otel: the redaction hook raised %s; content was dropped", type(exc).__name__)
