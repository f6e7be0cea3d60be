"""``argsort``: the permutation that sorts, with no derivative.

Sorting itself is a gather with this permutation (``funcad.numpy.sort``), so
its derivative is the gather's: each sorted value's derivative is that of the
element it came from.
"""

from __future__ import annotations

from funcad import backend
from funcad.core.primitive import Primitive

argsort_p = Primitive("argsort")


def argsort(x, axis: int, kind: str | None):
    """Indices that sort ``x`` along the non-negative ``axis``."""
    return argsort_p.bind(x, axis=axis, kind=kind)


@argsort_p.def_impl
def _argsort_impl(x, *, axis, kind):
    return backend.of(x).xp.argsort(x, axis=axis, kind=kind)


@argsort_p.def_batch
def _argsort_batch(args, bdims, *, axis, kind):
    (x,), (bdim,) = args, bdims
    return argsort(x, axis + (axis >= bdim), kind), bdim
