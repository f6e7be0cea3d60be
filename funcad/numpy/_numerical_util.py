"""Helpers shared by funcad.numpy's numerical, polynomial and NaN-ignoring functions."""

from __future__ import annotations

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import traced
from funcad.primitives._util import backend_of


def as_operand(x, like=None):
    """``x`` as an array of ``like``'s backend unless it is one already (or a tracer)."""
    if isinstance(x, Tracer) or backend.is_array(x):
        return x
    if isinstance(x, (list, tuple)) and traced(*x):
        from funcad.numpy.creation import asarray

        return asarray(x)
    xp = backend_of(like).xp if like is not None else backend.default().xp
    return xp.asarray(x)

