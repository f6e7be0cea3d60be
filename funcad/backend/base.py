"""The interface every array backend provides."""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any, Callable


def _never_copy(x, inputs) -> bool:
    return False


@functools.cache
def _scipy_special():
    import scipy.special

    return scipy.special


@dataclass(frozen=True)
class Backend:
    """An array library as funcad sees it.

    ``xp`` is a NumPy-compatible namespace (``numpy``, ``cupy``, or funcad's
    view of ``dask.array``); rules call ``backend.of(x).xp.sin(x)``.
    ``einsum`` runs a contraction planned once per expression and shapes.
    ``to_numpy`` brings a value to the host as a NumPy array (it is the one
    explicit transfer: nothing in funcad calls it behind the user's back).
    ``must_copy(x, inputs)`` says whether a result has to be copied before the
    caller owns it (read-only, or sharing memory with one of ``inputs``).
    ``absorbs`` names the backends whose arrays this one takes as operands
    (Dask's chunks are NumPy arrays, so a NumPy operand joins a Dask graph);
    any other mix of backends in one call is a ``TypeError``. ``lazy`` backends
    build graphs that compute later. ``getitem(x, index)`` is ``x[index]`` for an
    index holding arrays (where a library's rules differ from NumPy's it refuses).
    ``map_elementwise(fn, *args, **params)``, on lazy backends, applies an
    elementwise function written for NumPy arrays chunk by chunk. ``native``
    says NumPy's and SciPy's own functions compute with its arrays directly
    (the NumPy backend): funcad hands untraced values straight to them. Other
    backends' values take funcad's own path, which calls ``xp``.
    ``special()`` returns the backend's ``scipy.special`` (imported on first
    use; SciPy is an optional dependency).
    """

    name: str
    xp: Any
    array_types: tuple[type, ...]
    einsum: Callable[..., Any]
    to_numpy: Callable[[Any], Any]
    must_copy: Callable[[Any, Any], bool] = _never_copy
    absorbs: tuple[str, ...] = ()
    lazy: bool = False
    getitem: Callable[[Any, Any], Any] = operator.getitem
    map_elementwise: Callable[..., Any] | None = None
    native: bool = False
    special: Callable[[], Any] = _scipy_special
