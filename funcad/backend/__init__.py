"""Array backends: the one place that knows which array library owns a value.

``of(x)`` returns the :class:`Backend` for ``x`` (cached by type). Python
scalars belong to the default backend. Rules and transforms never import an
array library; they ask this module.
"""

from __future__ import annotations

import os

from funcad.backend.base import Backend

__all__ = ["Backend", "of", "of_pair", "of_many", "default", "set_default", "is_array"]

_SCALAR_TYPES = (bool, int, float, complex)
_by_type: dict[type, Backend] = {}
_by_name: dict[str, Backend] = {}
_default_name = os.environ.get("FUNCAD_BACKEND", "numpy")


def _load(name: str) -> Backend:
    if name not in _by_name:
        if name == "numpy":
            from funcad.backend import numpy as module
        else:
            raise ValueError(
                f"unknown backend {name!r}; this build of funcad provides 'numpy'."
            )
        _by_name[name] = module.BACKEND
        for array_type in module.BACKEND.array_types:
            _by_type[array_type] = module.BACKEND
    return _by_name[name]


def default() -> Backend:
    """The backend that creation functions and Python scalars use."""
    return _load(_default_name)


def set_default(name: str) -> None:
    """Choose the default backend by name (``"numpy"``)."""
    global _default_name
    _load(name)
    _default_name = name


def _resolve(kind: type) -> Backend:
    if kind in _SCALAR_TYPES:
        return default()
    for backend in list(_by_name.values()):
        if issubclass(kind, backend.array_types):
            _by_type[kind] = backend
            return backend
    # Anything NumPy can convert (lists, tuples, NumPy scalars) goes to NumPy.
    return _load("numpy")


def of(x) -> Backend:
    """The backend owning ``x``; one dict lookup once a type has been seen."""
    try:
        return _by_type[type(x)]
    except KeyError:
        return _resolve(type(x))


def of_pair(x, y) -> Backend:
    """``of_many(x, y)``, with a fast path for two arrays of one known type."""
    found = _by_type.get(type(x))
    other = _by_type.get(type(y))
    if found is other:
        if found is not None:
            return found
    elif other is None and type(y) in _SCALAR_TYPES:
        return found
    elif found is None and type(x) in _SCALAR_TYPES:
        return other
    return of_many(x, y)


def of_many(*xs) -> Backend:
    """The one backend owning all of ``xs``; scalars go along with any."""
    found = None
    for x in xs:
        kind = type(x)
        if kind in _SCALAR_TYPES:
            continue
        backend = of(x)
        if found is None:
            found = backend
        elif backend is not found:
            raise TypeError(
                f"cannot mix {found.name} and {backend.name} arrays in one call; "
                f"move them to one backend first."
            )
    return found if found is not None else default()


def is_array(x) -> bool:
    """True for an array or array scalar of a loaded backend (not Python scalars)."""
    kind = type(x)
    if kind in _by_type:
        return True
    return any(issubclass(kind, b.array_types) for b in list(_by_name.values()))


_load("numpy")
