"""Reading a field of a dict or an object without tripping over either."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Per class: ``MAPPING``, the field names of a pydantic model, or ``None`` (other classes).
_fields_by_class: dict[type, frozenset[str] | object | None] = {}
MAPPING = object()


def _declared_fields(cls: type) -> frozenset[str] | object | None:
    """:data:`MAPPING` for mapping classes; the field names of a pydantic model class (reading a
    missing one costs it an exception); ``None`` for other classes, whose attributes are read
    with a default. Cached per class (an ABC ``isinstance`` test is a Python call)."""
    known = _fields_by_class.get(cls, False)
    if known is False:
        if issubclass(cls, Mapping):
            known = MAPPING
        else:
            model_fields = getattr(cls, "model_fields", None)
            known = frozenset(model_fields) | frozenset(dir(cls)) if isinstance(model_fields, Mapping) else None
        if len(_fields_by_class) < 1024:
            _fields_by_class[cls] = known
    return known


def get(source: Any, key: str) -> Any:
    """``source[key]`` or ``source.key``; ``None`` when absent or when access raises."""
    cls = type(source)
    if cls is dict:
        return source.get(key)
    declared = _fields_by_class.get(cls, False)  # _declared_fields(cls), its cache read inline
    if declared is False:
        declared = _declared_fields(cls)
    if declared is MAPPING:
        return source.get(key)
    if declared is not None and key not in declared:  # type: ignore[operator]
        return None
    try:
        return getattr(source, key, None)
    except Exception:
        return None
