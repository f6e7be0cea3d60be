"""Helpers shared by funcad.numpy's numerical, polynomial and NaN-ignoring functions."""

from __future__ import annotations

from funcad import backend
from funcad.core.trace import Tracer
from funcad.primitives._util import backend_of, shape_of


def traced(*objs) -> bool:
    """Whether a tracer sits among ``objs`` (or in lists and tuples of them)."""
    for obj in objs:
        if isinstance(obj, Tracer):
            return True
        if isinstance(obj, (list, tuple)) and traced(*obj):
            return True
    return False


def as_operand(x, like=None):
    """``x`` as an array of ``like``'s backend unless it is one already (or a tracer)."""
    if isinstance(x, Tracer) or backend.is_array(x):
        return x
    if isinstance(x, (list, tuple)) and traced(*x):
        from funcad.numpy.creation import asarray

        return asarray(x)
    xp = backend_of(like).xp if like is not None else backend.default().xp
    return xp.asarray(x)


def concrete(x):
    """The value under JVP/VJP tracers, or None inside ``vmap`` (one value per example)."""
    while isinstance(x, Tracer):
        if shape_of(x._value) != shape_of(x):
            return None
        x = x._value
    return x
