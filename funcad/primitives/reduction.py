"""Reductions: sum, max, min, prod over axes, with ``keepdims``.

``max`` and ``min`` split the derivative evenly between tied elements, as JAX
does. ``prod``'s derivative multiplies exclusive running products from both
ends (``scan.products_of_others``): O(n) and exact where elements are zero.
"""

from __future__ import annotations

import builtins

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.core.trace import Tracer
from funcad.primitives._util import check_no_out, dtype_of, ndim_of, normalize_axes, shape_of
from funcad.primitives.arithmetic import divide, multiply
from funcad.primitives.comparison import astype, equal
from funcad.primitives.scan import products_of_others
from funcad.primitives.shape import broadcast_to, reshape

sum_p = Primitive("sum")
max_p = Primitive("max")
min_p = Primitive("min")
prod_p = Primitive("prod")


def sum(x, axis=None, dtype=None, out=None, keepdims=False):  # noqa: A001 - mirrors numpy.sum
    """Sum of elements over ``axis`` (all axes when None)."""
    return _reduce(sum_p, x, axis, dtype, out, keepdims)


def max(x, axis=None, out=None, keepdims=False):  # noqa: A001 - mirrors numpy.max
    """Maximum over ``axis``; ties share the derivative equally."""
    return _reduce(max_p, x, axis, None, out, keepdims)


def min(x, axis=None, out=None, keepdims=False):  # noqa: A001 - mirrors numpy.min
    """Minimum over ``axis``; ties share the derivative equally."""
    return _reduce(min_p, x, axis, None, out, keepdims)


def prod(x, axis=None, dtype=None, out=None, keepdims=False):
    """Product of elements over ``axis``; exact derivatives where elements are 0."""
    return _reduce(prod_p, x, axis, dtype, out, keepdims)


def _reduce(prim, x, axis, dtype, out, keepdims):
    """The public reductions' body: NumPy straight away, or the primitive on tracers."""
    if out is not None:  # inline: this is every reduction's no-transform path
        check_no_out(out, prim.name)
    if not isinstance(x, Tracer):
        axis = tuple(axis) if isinstance(axis, list) else axis
        reduce = getattr(backend.of(x).xp, prim.name)
        if dtype is None:
            return reduce(x, axis=axis, keepdims=keepdims)
        return reduce(x, axis=axis, dtype=dtype, keepdims=keepdims)
    if dtype is not None:
        x = astype(x, dtype)
    return prim.bind(x, axis=normalize_axes(axis, ndim_of(x)), keepdims=bool(keepdims))


def _kept_shape(shape, axis):
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def expand_reduced(ct, shape, axis, keepdims):
    """Broadcast a reduction's cotangent back over the reduced axes."""
    if not keepdims:
        ct = reshape(ct, _kept_shape(shape, axis))
    return broadcast_to(ct, shape)


def reduction_batch(prim):
    def batch_reduction(args, bdims, *, axis, keepdims):
        (x,), (bdim,) = args, bdims
        shifted = tuple(a + (a >= bdim) for a in axis)
        out_bdim = bdim if keepdims else bdim - builtins.sum(a < bdim for a in shifted)
        return prim.bind(x, axis=shifted, keepdims=keepdims), out_bdim

    batch_reduction.__name__ = f"_{prim.name}_batch"
    return batch_reduction


def def_backend_reduction(prim) -> None:
    """Give ``prim`` the backend function of the same name as its implementation."""
    name = prim.name

    def impl(x, *, axis, keepdims):
        return getattr(backend.of(x).xp, name)(x, axis=axis, keepdims=keepdims)

    impl.__name__ = f"_{name}_impl"
    prim.def_impl(impl)


# sum ------------------------------------------------------------------------
def _sum_jvp(t, ans, x, *, axis, keepdims):
    return sum(t, axis=axis, keepdims=keepdims)


def _sum_vjp(ct, ans, x, *, axis, keepdims):
    return expand_reduced(ct, shape_of(x), axis, keepdims)


def_backend_reduction(sum_p)
sum_p.def_jvp(_sum_jvp)
sum_p.def_vjp(_sum_vjp)
sum_p.def_batch(reduction_batch(sum_p))
sum_p.linear = True


# max, min -------------------------------------------------------------------
def _tie_weights(ans, x, axis, keepdims):
    """1/k at each of the k elements equal to the extremum, 0 elsewhere."""
    hits = astype(equal(x, expand_reduced(ans, shape_of(x), axis, keepdims)), dtype_of(x))
    return divide(hits, sum(hits, axis, keepdims=True))


def _extremum_jvp(t, ans, x, *, axis, keepdims):
    return sum(multiply(t, _tie_weights(ans, x, axis, keepdims)), axis=axis, keepdims=keepdims)


def _extremum_vjp(ct, ans, x, *, axis, keepdims):
    weights = _tie_weights(ans, x, axis, keepdims)
    return multiply(expand_reduced(ct, shape_of(x), axis, keepdims), weights)


for _prim in (max_p, min_p):
    def_backend_reduction(_prim)
    _prim.def_jvp(_extremum_jvp)
    _prim.def_vjp(_extremum_vjp)
    _prim.def_batch(reduction_batch(_prim))


# prod -----------------------------------------------------------------------
def _prod_jvp(t, ans, x, *, axis, keepdims):
    return sum(multiply(t, products_of_others(x, axis)), axis=axis, keepdims=keepdims)


def _prod_vjp(ct, ans, x, *, axis, keepdims):
    expanded = expand_reduced(ct, shape_of(x), axis, keepdims)
    return multiply(expanded, products_of_others(x, axis))


def_backend_reduction(prod_p)
prod_p.def_jvp(_prod_jvp)
prod_p.def_vjp(_prod_vjp)
prod_p.def_batch(reduction_batch(prod_p))
