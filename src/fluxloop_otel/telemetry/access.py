"""Reading a field of a dict or an object without tripping over either."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

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


_own_dict_readable: dict[tuple[type, tuple[str, ...]], bool] = {}


def getter(source: Any, keys: tuple[str, ...]) -> Callable[[str], Any]:
    """A ``read(key)`` for several of ``keys`` of one ``source``, answering as :func:`get` does: the
    mapping's own ``get``, or for a pydantic model whose instance dict holds those fields, that
    dict's ``get`` (one lookup per key instead of a call)."""
    cls = type(source)
    if cls is dict:
        return source.get  # type: ignore[no-any-return]
    known = _own_dict_readable.get((cls, keys))
    if known is None:
        declared = _declared_fields(cls)
        model_fields = getattr(cls, "model_fields", None)
        known = declared is MAPPING or (
            declared is not None
            and isinstance(model_fields, Mapping)
            and all(key in model_fields or key not in declared for key in keys)  # type: ignore[operator]
        )
        if len(_own_dict_readable) < 1024:
            _own_dict_readable[(cls, keys)] = known
    if known:
        if _fields_by_class.get(cls) is MAPPING:
            return source.get  # type: ignore[no-any-return]
        values = getattr(source, "__dict__", None)
        if type(values) is dict:
            return values.get
    return lambda key: get(source, key)
