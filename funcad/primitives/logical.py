"""Index and truth reductions with no derivative: argmax, argmin, any, all, count_nonzero.

Their results are integers or booleans, so they register no JVP or VJP: under
``jvp``, ``vjp`` and ``grad`` they return plain arrays (as the comparisons do),
and under ``vmap`` their batching rules keep them vectorised.
"""

from __future__ import annotations

from funcad.core.primitive import Primitive
from funcad.primitives._util import (
    move_to_front,
    ndim_of,
    normalize_axes,
    normalize_axis,
    shape_of,
)
from funcad.primitives.reduction import def_backend_reduction, reduction_batch
from funcad.primitives.shape import reshape

argmax_p = Primitive("argmax")
argmin_p = Primitive("argmin")
any_p = Primitive("any")
all_p = Primitive("all")
count_nonzero_p = Primitive("count_nonzero")


def argmax(x, axis: int | None = None, keepdims: bool = False):
    """Index of the (first) maximum along ``axis``, or in the flattened array for None."""
    return _arg_reduce(argmax_p, x, axis, keepdims)


def argmin(x, axis: int | None = None, keepdims: bool = False):
    """Index of the (first) minimum along ``axis``, or in the flattened array for None."""
    return _arg_reduce(argmin_p, x, axis, keepdims)


def any(x, axis=None, keepdims: bool = False):  # noqa: A001 - mirrors numpy.any
    """Whether any element along ``axis`` (all axes for None) is nonzero."""
    return any_p.bind(x, axis=normalize_axes(axis, ndim_of(x)), keepdims=bool(keepdims))


def all(x, axis=None, keepdims: bool = False):  # noqa: A001 - mirrors numpy.all
    """Whether every element along ``axis`` (all axes for None) is nonzero."""
    return all_p.bind(x, axis=normalize_axes(axis, ndim_of(x)), keepdims=bool(keepdims))


def count_nonzero(x, axis=None, keepdims: bool = False):
    """The number of nonzero elements along ``axis`` (all axes for None)."""
    return count_nonzero_p.bind(x, axis=normalize_axes(axis, ndim_of(x)), keepdims=bool(keepdims))


def _arg_reduce(prim, x, axis, keepdims):
    if axis is not None:
        axis = normalize_axis(axis, ndim_of(x))
    return prim.bind(x, axis=axis, keepdims=bool(keepdims))


# argmax, argmin -------------------------------------------------------------
def _arg_batch(prim):
    def batch_arg_reduce(args, bdims, *, axis, keepdims):
        (x,), (bdim,) = args, bdims
        if axis is None:
            # Each example's flattened index: flatten all but the batch axis.
            x = move_to_front(x, bdim)
            size, rank = shape_of(x)[0], ndim_of(x) - 1
            out = prim.bind(reshape(x, (size, -1)), axis=1, keepdims=False)
            if keepdims:
                out = reshape(out, (size,) + (1,) * rank)
            return out, 0
        full = axis + (axis >= bdim)
        out_bdim = bdim if keepdims else bdim - (full < bdim)
        return prim.bind(x, axis=full, keepdims=keepdims), out_bdim

    batch_arg_reduce.__name__ = f"_{prim.name}_batch"
    return batch_arg_reduce


for _prim in (argmax_p, argmin_p, any_p, all_p, count_nonzero_p):
    def_backend_reduction(_prim)
argmax_p.def_batch(_arg_batch(argmax_p))
argmin_p.def_batch(_arg_batch(argmin_p))


# any, all, count_nonzero ----------------------------------------------------
for _prim in (any_p, all_p, count_nonzero_p):
    _prim.def_batch(reduction_batch(_prim))
