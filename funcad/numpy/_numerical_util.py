"""Helpers shared by funcad.numpy's modules (numerical, polynomial, NaN-ignoring, sets, ...)."""

from __future__ import annotations

import numpy as _numpy

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import traced
from funcad.primitives._util import backend_of, dtype_of


def default_xp():
    """The array namespace of the default backend (for constants and plain values)."""
    return backend.default().xp


def is_inexact(x) -> bool:
    """Whether ``x`` (an array or a tracer) holds floating-point or complex numbers."""
    return getattr(dtype_of(x), "kind", None) in ("f", "c")


def as_operand(x, like=None):
    """``x`` as an array of ``like``'s backend unless it is one already (or a tracer).

    A NumPy scalar goes along with any backend, as a Python number does: next
    to another backend's ``like`` it becomes an array there.
    """
    if isinstance(x, _numpy.generic) and like is not None:
        be = backend_of(like)
        return x if be.native or be.lazy else be.xp.asarray(x)
    if isinstance(x, Tracer) or backend.is_array(x):
        return x
    if isinstance(x, (list, tuple)) and traced(*x):
        from funcad.numpy.creation import asarray

        return asarray(x)
    xp = backend_of(like).xp if like is not None else default_xp()
    return xp.asarray(x)

