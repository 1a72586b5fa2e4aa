"""Reading a field of a dict or an object without tripping over either."""

from __future__ import annotations

from typing import Any, Mapping

_fields_by_class: dict[type, frozenset[str] | None] = {}


def _declared_fields(cls: type) -> frozenset[str] | None:
    """Field names of a pydantic model class (reading a missing one costs it an exception);
    ``None`` for other classes, whose attributes are read with a default."""
    known = _fields_by_class.get(cls, False)
    if known is False:
        model_fields = getattr(cls, "model_fields", None)
        known = frozenset(model_fields) | frozenset(dir(cls)) if isinstance(model_fields, Mapping) else None
        if len(_fields_by_class) < 1024:
            _fields_by_class[cls] = known
    return known  # type: ignore[return-value]


def get(source: Any, key: str) -> Any:
    """``source[key]`` or ``source.key``; ``None`` when absent or when access raises."""
    if isinstance(source, Mapping):
        return source.get(key)
    declared = _declared_fields(type(source))
    if declared is not None and key not in declared:
        return None
    try:
        return getattr(source, key, None)
    except Exception:
        return None
