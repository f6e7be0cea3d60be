"""Array backends: the one place that knows which array library owns a value.

``of(x)`` returns the :class:`Backend` for ``x`` (cached by type). Python
scalars belong to the default backend. Rules and transforms never import an
array library; they ask this module.

Backends are loaded on demand from one table: NumPy at import, CuPy and Dask
the first time one of their arrays is seen (recognised by the package its type
comes from, without importing that package first) or when one is made the
default. So importing funcad never imports CuPy or Dask.
"""

from __future__ import annotations

import importlib
import os

import numpy as _numpy  # (``numpy`` here is funcad.backend.numpy once loaded)

from funcad.backend.base import Backend
from funcad.backend.cupy import NotOnDeviceError
from funcad.backend.dask import LazyShapeError, NotLazyError

__all__ = ["Backend", "of", "of_pair", "of_many", "of_arrays", "of_indexing", "parameter_on",
           "default", "set_default", "is_array", "available", "NotLazyError", "LazyShapeError",
           "NotOnDeviceError"]

_SCALAR_TYPES = (bool, int, float, complex)
_PARAMETER_SCALARS = (bool, int, float, complex, _numpy.generic)
_by_type: dict[type, Backend] = {}
_by_name: dict[str, Backend] = {}

# name -> (module defining ``load()``, what to install when the library is missing)
_MODULES = {
    "numpy": ("funcad.backend.numpy", "pip install numpy"),
    "cupy": ("funcad.backend.cupy",
             'pip install "funcad[cuda12]" (CUDA 12) or "funcad[cuda13]" (CUDA 13)'),
    "dask": ("funcad.backend.dask", 'pip install "funcad[dask]"'),
}
# The top-level package of an array's type names the backend that owns it.
_PACKAGES = {"numpy": "numpy", "cupy": "cupy", "cupyx": "cupy", "dask": "dask"}


def _normalize_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"backend name must be a str such as 'numpy', got {name!r}.")
    return name.strip().lower()


_default_name = _normalize_name(os.environ.get("FUNCAD_BACKEND", "numpy") or "numpy")


def _register(be: Backend) -> Backend:
    _by_name[be.name] = be
    for array_type in be.array_types:
        _by_type[array_type] = be
    return be


def _unregister(name: str) -> None:
    """Forget a loaded backend (tests use this for stand-in backends)."""
    be = _by_name.pop(name, None)
    for kind in [k for k, b in _by_type.items() if b is be]:
        del _by_type[kind]


def _load(name: str) -> Backend:
    found = _by_name.get(name)
    if found is not None:
        return found
    entry = _MODULES.get(name)
    if entry is None:
        choices = ", ".join(repr(n) for n in _MODULES)
        raise ValueError(f"unknown backend {name!r}; choose one of {choices}.")
    module_name, install = entry
    module = importlib.import_module(module_name)
    try:
        be = module.load()
    except ImportError as error:
        raise ImportError(
            f"funcad's {name!r} backend needs a library that is not installed ({error}). "
            f"Install it with: {install}"
        ) from error
    return _register(be)


def available(name: str) -> bool:
    """Whether backend ``name`` can be loaded (its library is installed)."""
    try:
        _load(_normalize_name(name))
    except ImportError:
        return False
    return True


def default() -> Backend:
    """The backend that creation functions and Python scalars use."""
    return _load(_default_name)


def set_default(name: str) -> None:
    """Choose the default backend by name: ``"numpy"``, ``"cupy"`` or ``"dask"``.

    The environment variable ``FUNCAD_BACKEND`` sets it at import.

    >>> import funcad as fa
    >>> fa.backend.set_default("numpy")
    >>> fa.backend.default().name
    'numpy'
    """
    global _default_name
    name = _normalize_name(name)
    _load(name)
    _default_name = name


def _owner(kind: type) -> Backend | None:
    """The backend whose arrays have type ``kind``, loading it if need be; else None."""
    for be in list(_by_name.values()):
        if issubclass(kind, be.array_types):
            _by_type[kind] = be
            return be
    name = _PACKAGES.get(getattr(kind, "__module__", "").partition(".")[0])
    if name is not None and name not in _by_name:
        be = _load(name)
        if issubclass(kind, be.array_types):
            _by_type[kind] = be
            return be
    return None


def _resolve(kind: type) -> Backend:
    if kind in _SCALAR_TYPES:
        return default()
    # Anything else NumPy can convert (lists, tuples) goes to NumPy.
    return _owner(kind) or _by_name["numpy"]


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
    """The one backend owning all of ``xs``; scalars go along with any.

    Python scalars and NumPy scalars (``numpy.float64(2.0)``, which every
    backend takes as a number) join any backend. A backend that absorbs another
    (Dask takes NumPy operands into its graphs) wins over it; any other mix is
    a ``TypeError`` naming both.
    """
    found, by_scalar = None, False  # by_scalar: found is NumPy's, from NumPy scalars only
    for x in xs:
        kind = type(x)
        if kind in _SCALAR_TYPES:
            continue
        be = of(x)
        if be is found:
            if by_scalar:
                by_scalar = isinstance(x, _numpy.generic)
            continue
        scalar = isinstance(x, _numpy.generic)
        if found is None or (by_scalar and not scalar):
            found, by_scalar = be, scalar
        elif scalar or be.name in found.absorbs:
            continue
        elif found.name in be.absorbs:
            found = be
        else:
            raise TypeError(
                f"cannot mix {found.name} and {be.name} arrays in one call (got a "
                f"{_type_name(found, xs)} and a {kind.__module__}.{kind.__name__}); move them "
                f"to one backend first: {_move_hint(found.name, be.name)}."
            )
    return found if found is not None else default()


def of_arrays(*xs) -> Backend:
    """The backend of the arrays among ``xs``: numbers and lists go along with any.

    With no array among ``xs`` it is the default backend, whose arrays Python
    data become.
    """
    return of_many(*[x for x in xs if is_array(x)])


def of_indexing(operands, indices) -> Backend:
    """The backend that indexes ``operands`` with integer or boolean arrays ``indices``.

    A NumPy index array goes along with any backend's operands, as CuPy's and
    Dask's own indexing take one; :func:`parameter_on` moves it there.
    """
    found = of(operands[0]) if len(operands) == 1 else of_many(*operands)
    for index in indices:
        be = of(index)
        if be is not found and not be.native:
            return of_many(*operands, *[i for i in indices if not of(i).native])
    return found


def parameter_on(be: Backend, value):
    """A concrete parameter (index array, selector, order, count) on backend ``be``.

    Such parameters carry no derivative, and CuPy's own indexing copies a NumPy
    index array to the device: so a NumPy array or a list given next to a
    device backend's data is copied there. On NumPy, on lazy backends (Dask
    graphs take NumPy constants) and for scalars, tracers and arrays that
    already belong to a backend other than NumPy, ``value`` is returned as it is.
    """
    if be.native or be.lazy or value is None or isinstance(value, _PARAMETER_SCALARS):
        return value
    if isinstance(value, (list, tuple)) or (is_array(value) and of(value).native):
        return be.xp.asarray(value)
    return value


_MOVE_HINTS = {
    "cupy": "cupy.asarray(x) copies a NumPy array to the GPU and x.get() a CuPy array "
            "to the host",
    "dask": "dask.array.from_array(x, chunks=...) wraps an array in a Dask array",
}


def _move_hint(*names) -> str:
    hints = [_MOVE_HINTS[n] for n in names if n in _MOVE_HINTS]
    return "; ".join(hints) or "convert one of them with the other library's asarray"


def _type_name(be: Backend, xs) -> str:
    for x in xs:
        if type(x) not in _SCALAR_TYPES and of(x) is be:
            return f"{type(x).__module__}.{type(x).__name__}"
    return be.name


def is_array(x) -> bool:
    """True for an array or array scalar of a known backend (not Python scalars)."""
    kind = type(x)
    if kind in _by_type:
        return True
    if kind in _SCALAR_TYPES:
        return False
    return _owner(kind) is not None


_load("numpy")
