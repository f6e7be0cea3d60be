"""Numerical routines: convolution, integration, differences, interpolation, statistics.

``convolve`` and ``correlate`` gather the sliding windows of the longer input
(one index array, no Python loop over elements) and contract them with the
shorter one through ``einsum``, so they are differentiable in both inputs;
``trapezoid``, ``gradient``, ``ediff1d``, ``unwrap`` and ``vander`` are
slices, differences and running products. ``interp`` lives in
``funcad.numpy._interp``, ``cov`` and ``corrcoef`` in
``funcad.numpy._covariance``; ``i0`` is the ``bessel_i`` primitive
(``funcad.primitives.bessel``). With no traced argument every function calls
NumPy directly and returns exactly what NumPy returns.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.grad(lambda a: fnp.sum(fnp.convolve(a, np.array([1.0, 2.0]))))(np.ones(3))
array([3., 3., 3.])
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

from funcad import backend
from funcad.core.trace import Tracer, current_depth
from funcad.numpy._concrete import traced
from funcad.numpy._covariance import corrcoef, cov
from funcad.numpy._interp import interp
from funcad.numpy._lazy import data_backend
from funcad.numpy._numerical_util import as_operand
from funcad.numpy.composites import expand_dims, moveaxis
from funcad.numpy.indexing import getitem_advanced
from funcad.numpy.reductions import cumprod, cumsum, diff
from funcad.primitives import bessel
from funcad.primitives._util import backend_of, dtype_of, ndim_of, normalize_axis, shape_of
from funcad.primitives.arithmetic import add, divide, multiply, subtract
from funcad.primitives.binary_math import remainder
from funcad.primitives.comparison import astype, equal, greater, less, logical_and, where
from funcad.primitives.complex import conj
from funcad.primitives.elementwise import absolute
from funcad.primitives.indexing import getitem, is_lazy_array
from funcad.primitives.linalg import einsum
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import broadcast_to, concatenate, reshape, transpose

__all__ = [
    "convolve", "correlate", "trapezoid", "gradient", "ediff1d", "interp", "unwrap",
    "cov", "corrcoef", "vander", "apply_along_axis", "apply_over_axes", "i0",
]

ArrayLike = Any


# convolve, correlate --------------------------------------------------------
def _one_dimensional(name: str, a, v, mode):
    """``a`` and ``v`` as 1-D operands of one dtype (NumPy's ``ndmin=1`` and promotion)."""
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{name}: mode={mode!r} is not one of 'full', 'same', 'valid'.")
    operands = []
    for arg, x in (("a", as_operand(a, v)), ("v", as_operand(v, a))):
        if ndim_of(x) > 1:
            raise ValueError(f"{name}: {arg} has shape {shape_of(x)}; it must be 1-D "
                             f"(a scalar counts as one element).")
        if ndim_of(x) == 0:
            x = reshape(x, (1,))
        if shape_of(x)[0] == 0:
            raise ValueError(f"{name}: {arg} cannot be empty; pass at least one element.")
        operands.append(x)
    dtype = backend_of(operands[0]).xp.result_type(*[dtype_of(x) for x in operands])
    return tuple(astype(x, dtype) for x in operands)


def _full_range(x, kernel, start: int, length: int):
    """Entries ``start .. start+length-1`` of the full correlation of ``x`` with ``kernel``.

    ``full[k] = sum_j x[k + j - (m - 1)] * kernel[j]`` (``m = len(kernel)``, zero
    outside ``x``): ``x`` padded with ``m - 1`` zeros each side, its windows
    gathered with one index array, contracted with ``kernel``. The cost is
    ``length * m``, so ``kernel`` should be the shorter input.
    """
    m = shape_of(kernel)[0]
    xp = backend_of(x).xp
    if m > 1:
        pad = xp.zeros((m - 1,), dtype=dtype_of(x))
        x = concatenate([pad, x, pad], 0)
    windows = xp.arange(start, start + length)[:, None] + xp.arange(m)[None, :]
    return einsum("km,m->k", getitem_advanced(x, (windows,)), kernel)


def _mode_range(mode, n: int, m: int) -> tuple[int, int]:
    """(offset, length) of ``mode``'s part of the full result, for ``n >= m``."""
    if mode == "full":
        return 0, n + m - 1
    if mode == "same":
        return (m - 1) // 2, n
    return m - 1, n - m + 1


def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full") -> ArrayLike:
    """Discrete linear convolution of two 1-D sequences; differentiable in both.

    Its derivative with respect to one input is a correlation with the other.

    >>> import numpy as np, funcad.numpy as fnp
    >>> fnp.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "same")
    array([1. , 2.5, 4. ])
    """
    if not traced(a, v):
        return backend.of_pair(a, v).xp.convolve(a, v, mode=mode)
    a, v = _one_dimensional("convolve", a, v, mode)
    if shape_of(v)[0] > shape_of(a)[0]:
        a, v = v, a
    n, m = shape_of(a)[0], shape_of(v)[0]
    start, length = _mode_range(mode, n, m)
    return _full_range(a, getitem(v, (slice(None, None, -1),)), start, length)


def correlate(a: ArrayLike, v: ArrayLike, mode: str = "valid") -> ArrayLike:
    """Cross-correlation ``c[k] = sum_n a[n + k] * conj(v[n])`` of two 1-D sequences.

    >>> import numpy as np, funcad.numpy as fnp
    >>> fnp.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "full")
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    if not traced(a, v):
        return backend.of_pair(a, v).xp.correlate(a, v, mode=mode)
    a, v = _one_dimensional("correlate", a, v, mode)
    if getattr(dtype_of(v), "kind", None) == "c":
        v = conj(v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    if n >= m:
        start, length = _mode_range(mode, n, m)
        return _full_range(a, v, start, length)
    # NumPy correlates the longer input against the shorter and reverses the result.
    start, length = _mode_range(mode, m, n)
    if mode == "same":
        start = n - 1 - (n - 1) // 2
    reverse_start = n + m - 1 - start - length
    return getitem(_full_range(v, a, reverse_start, length), (slice(None, None, -1),))


# trapezoid ------------------------------------------------------------------
def _along(axis: int, item, ndim: int) -> tuple:
    return (slice(None),) * axis + (item,) + (slice(None),) * (ndim - axis - 1)


def trapezoid(y: ArrayLike, x: ArrayLike = None, dx: float = 1.0, axis: int = -1) -> ArrayLike:
    """Integral of ``y`` along ``axis`` by the trapezoidal rule, at points ``x`` or ``dx`` apart.

    Differentiable in ``y``, ``x`` and ``dx``: the weight of ``y[i]`` is half
    the width of the two intervals beside it.
    """
    if not traced(y, x, dx):
        return backend.of(y).xp.trapezoid(y, x=x, dx=dx, axis=axis)
    y = as_operand(y, x if isinstance(x, Tracer) else dx)
    nd = ndim_of(y)
    axis = normalize_axis(axis, nd)
    if x is None:
        d = dx
    else:
        x = as_operand(x, y)
        if ndim_of(x) == 1:
            d = diff(x)
            d = reshape(d, tuple(shape_of(d)[0] if i == axis else 1 for i in range(nd)))
        else:
            d = diff(x, axis=axis)
    later = getitem(y, _along(axis, slice(1, None), nd))
    earlier = getitem(y, _along(axis, slice(None, -1), nd))
    return sum_(divide(multiply(d, add(later, earlier)), 2.0), axis=axis)


# gradient -------------------------------------------------------------------
def _spacings(f, varargs, axes):
    """Each axis's spacing: a number (uniform) or the 1-D differences of its coordinates."""
    n = len(varargs)
    if n == 0:
        return [1.0] * len(axes)
    if n == 1 and ndim_of(varargs[0]) == 0:
        return [varargs[0]] * len(axes)
    if n != len(axes):
        raise TypeError(f"gradient: got {n} spacing arguments for {len(axes)} axes; give "
                        f"none, one scalar, or one scalar or 1-D array per axis.")
    out = []
    for i, distances in enumerate(varargs):
        if ndim_of(distances) == 0:
            out.append(distances)
            continue
        distances = as_operand(distances, f)
        if ndim_of(distances) != 1:
            raise ValueError(f"gradient: spacing {i} has shape {shape_of(distances)}; "
                             f"distances must be either scalars or 1d.")
        if shape_of(distances)[0] != shape_of(f)[axes[i]]:
            raise ValueError(
                f"gradient: spacing {i} has {shape_of(distances)[0]} coordinates but axis "
                f"{axes[i]} has length {shape_of(f)[axes[i]]}; when 1d, distances must "
                f"match the length of the corresponding dimension.")
        if dtype_of(distances).kind in "iub":
            distances = astype(distances, backend_of(distances).xp.float64)
        steps = diff(distances)
        if not isinstance(steps, Tracer):
            # Constant concrete steps take NumPy's uniform formula (traced ones never
            # do: their derivative is that of the general formula). Lazy steps are not
            # known yet: both formulas are built and the test picks one when computed.
            uniform = (steps == steps[0]).all()
            if is_lazy_array(uniform):
                steps = _LazySteps(steps, uniform)
            elif bool(uniform):
                steps = steps[0]
        out.append(steps)
    return out


class _LazySteps(NamedTuple):
    """Lazy coordinate steps along one axis, and whether they are all equal."""

    steps: Any
    uniform: Any


def _gradient_along(f, axis: int, h, edge_order: int):
    nd = ndim_of(f)

    def part(start, stop):
        return getitem(f, _along(axis, slice(start, stop), nd))

    def shaped(c):
        return reshape(c, tuple(-1 if i == axis else 1 for i in range(nd)))

    uniform = ndim_of(h) == 0
    if uniform:
        interior = divide(subtract(part(2, None), part(None, -2)), multiply(2.0, h))
    else:
        dx1, dx2 = getitem(h, (slice(0, -1),)), getitem(h, (slice(1, None),))
        a = divide(-dx2, multiply(dx1, add(dx1, dx2)))
        b = divide(subtract(dx2, dx1), multiply(dx1, dx2))
        c = divide(dx1, multiply(dx2, add(dx1, dx2)))
        interior = add(add(multiply(shaped(a), part(None, -2)), multiply(shaped(b), part(1, -1))),
                       multiply(shaped(c), part(2, None)))
    if edge_order == 1:
        first = divide(subtract(part(1, 2), part(0, 1)), h if uniform else getitem(h, 0))
        last = divide(subtract(part(-1, None), part(-2, -1)), h if uniform else getitem(h, -1))
    else:
        if uniform:
            a, b, c = divide(-1.5, h), divide(2.0, h), divide(-0.5, h)
        else:
            dx1, dx2 = getitem(h, 0), getitem(h, 1)
            a = divide(-add(multiply(2.0, dx1), dx2), multiply(dx1, add(dx1, dx2)))
            b = divide(add(dx1, dx2), multiply(dx1, dx2))
            c = divide(-dx1, multiply(dx2, add(dx1, dx2)))
        first = add(add(multiply(a, part(0, 1)), multiply(b, part(1, 2))),
                    multiply(c, part(2, 3)))
        if uniform:
            a, b, c = divide(0.5, h), divide(-2.0, h), divide(1.5, h)
        else:
            dx1, dx2 = getitem(h, -2), getitem(h, -1)
            a = divide(dx2, multiply(dx1, add(dx1, dx2)))
            b = divide(-add(dx2, dx1), multiply(dx1, dx2))
            c = divide(add(multiply(2.0, dx2), dx1), multiply(dx2, add(dx1, dx2)))
        last = add(add(multiply(a, part(-3, -2)), multiply(b, part(-2, -1))),
                   multiply(c, part(-1, None)))
    pieces = [first] + ([interior] if shape_of(f)[axis] > 2 else []) + [last]
    return concatenate(pieces, axis)


def gradient(f: ArrayLike, *varargs: ArrayLike, axis: int | tuple[int, ...] | None = None,
             edge_order: int = 1) -> ArrayLike:
    """Second-order accurate differences of ``f`` (one-sided of ``edge_order`` at the ends).

    Spacings are scalars or coordinate arrays, one per axis, as in NumPy;
    differentiable in ``f`` and in the spacings. Several axes give a tuple.

    >>> import numpy as np, funcad as fa, funcad.numpy as fnp
    >>> fnp.gradient(np.array([1.0, 2.0, 4.0, 7.0]), 2.0)
    array([0.5 , 0.75, 1.25, 1.5 ])
    """
    if not traced(f, *varargs):
        # Coordinates are data: NumPy ones next to another backend's f are refused, naming
        # both; lists go along with f.
        be = data_backend(f, *varargs)
        if not be.native:
            varargs = tuple(be.xp.asarray(v) if isinstance(v, list) else v for v in varargs)
        # Dask takes no lazy coordinate arrays: funcad's own path builds those lazily.
        if not any(is_lazy_array(v) and ndim_of(v) for v in varargs):
            return be.xp.gradient(f, *varargs, axis=axis, edge_order=edge_order)
    f = as_operand(f, next((v for v in varargs if isinstance(v, Tracer)), None))
    nd = ndim_of(f)
    if axis is None:
        axes = tuple(range(nd))
    else:
        axes = tuple(normalize_axis(a, nd) for a in (axis if isinstance(axis, (tuple, list))
                                                      else (axis,)))
        if len(set(axes)) != len(axes):
            raise ValueError(f"gradient: repeated axis in axis={axis!r}.")
    spacings = _spacings(f, varargs, axes)
    if edge_order > 2:
        raise ValueError(f"gradient: edge_order={edge_order}; 'edge_order' greater than 2 "
                         f"not supported (use 1 or 2).")
    xp = backend_of(f).xp
    otype = dtype_of(f) if dtype_of(f).kind in "fc" else xp.dtype(xp.float64)
    if dtype_of(f).kind in "iub":
        f = astype(f, xp.float64)
    out = []
    for ax, h in zip(axes, spacings):
        if shape_of(f)[ax] < edge_order + 1:
            raise ValueError(
                f"gradient: axis {ax} has length {shape_of(f)[ax]}; shape of array too small "
                f"to calculate a numerical gradient, at least (edge_order + 1) = "
                f"{edge_order + 1} elements are required.")
        if isinstance(h, _LazySteps):
            g = where(h.uniform, _gradient_along(f, ax, h.steps[0], edge_order),
                      _gradient_along(f, ax, h.steps, edge_order))
        else:
            g = _gradient_along(f, ax, h, edge_order)
        out.append(astype(g, otype))
    return out[0] if len(out) == 1 else tuple(out)


# ediff1d --------------------------------------------------------------------
def ediff1d(ary: ArrayLike, to_end: ArrayLike = None, to_begin: ArrayLike = None) -> ArrayLike:
    """Differences of consecutive elements of the flattened ``ary``, with optional ends."""
    if not traced(ary, to_end, to_begin):
        return backend.of(ary).xp.ediff1d(ary, to_end=to_end, to_begin=to_begin)
    ary = reshape(as_operand(ary, to_end if isinstance(to_end, Tracer) else to_begin), (-1,))
    dtype = dtype_of(ary)
    xp = backend_of(ary).xp
    pieces = []
    for name, edge in (("to_begin", to_begin), ("to_end", to_end)):
        if edge is None:
            pieces.append(None)
            continue
        edge = as_operand(edge, ary)
        if not xp.can_cast(dtype_of(edge), dtype, casting="same_kind"):
            raise TypeError(f"ediff1d: {name} has dtype {dtype_of(edge)}, which does not cast "
                            f"to ary's dtype {dtype} under the 'same_kind' rule; cast it first.")
        edge = reshape(edge, (-1,))
        pieces.append(astype(edge, dtype))
    steps = subtract(getitem(ary, (slice(1, None),)), getitem(ary, (slice(None, -1),)))
    parts = [p for p in (pieces[0], steps, pieces[1]) if p is not None]
    return parts[0] if len(parts) == 1 else concatenate(parts, 0)


# unwrap ---------------------------------------------------------------------
def unwrap(p: ArrayLike, discont: float | None = None, axis: int = -1, *,
           period: float = 2 * math.pi) -> ArrayLike:
    """``p`` with jumps larger than ``discont`` replaced by their ``period`` complements.

    The corrections are whole periods, so ``d unwrap(p) / dp`` is the identity.
    """
    if not traced(p, discont, period):
        return backend.of(p).xp.unwrap(p, discont=discont, axis=axis, period=period)
    p = as_operand(p, discont if isinstance(discont, Tracer) else period)
    nd = ndim_of(p)
    axis = normalize_axis(axis, nd)
    dd = diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    xp = backend_of(p).xp
    dtype = xp.result_type(dtype_of(dd), period if dtype_of(period) is None else dtype_of(period))
    if dtype.kind in "iu":
        interval_high, rem = divmod(period, 2)
        boundary_ambiguous = rem == 0
    else:
        interval_high = period / 2
        boundary_ambiguous = True
    interval_low = -interval_high
    ddmod = add(remainder(subtract(dd, interval_low), period), interval_low)
    if boundary_ambiguous:
        # A jump of exactly half a period keeps the sign of the jump, as NumPy.
        ddmod = where(logical_and(equal(ddmod, interval_low), greater(dd, 0)),
                      interval_high, ddmod)
    correction = where(less(absolute(dd), discont), 0, subtract(ddmod, dd))
    first = astype(getitem(p, _along(axis, slice(0, 1), nd)), dtype)
    rest = add(getitem(p, _along(axis, slice(1, None), nd)), cumsum(correction, axis=axis))
    return concatenate([first, astype(rest, dtype)], axis)


# vander ---------------------------------------------------------------------
def vander(x: ArrayLike, N: int | None = None, increasing: bool = False) -> ArrayLike:  # noqa: N803
    """The Vandermonde matrix of ``x``: columns ``x**(N-1), ..., x, 1`` (reversed if increasing).

    Powers are running products, as NumPy computes them, so the derivative
    is exact at ``x = 0``.
    """
    if not isinstance(x, Tracer):
        return backend.of(x).xp.vander(x, N=N, increasing=increasing)
    if ndim_of(x) != 1:
        raise ValueError(f"vander: x has shape {shape_of(x)}; it must be a one-dimensional "
                         f"array or sequence.")
    n = shape_of(x)[0]
    N = n if N is None else int(N)  # noqa: N806
    xp = backend_of(x).xp
    dtype = xp.promote_types(dtype_of(x), xp.int_)
    if dtype_of(x) != dtype:
        x = astype(x, dtype)
    columns = [xp.ones((n, min(N, 1)), dtype=dtype)]
    if N > 1:
        columns.append(cumprod(broadcast_to(reshape(x, (n, 1)), (n, N - 1)), axis=1))
    v = concatenate(columns, 1) if len(columns) > 1 else columns[0]
    return v if increasing else getitem(v, (slice(None), slice(None, None, -1)))


# apply_along_axis, apply_over_axes ------------------------------------------
def apply_along_axis(func1d: Callable, axis: int, arr: ArrayLike, *args: Any,
                     **kwargs: Any) -> ArrayLike:
    """``func1d`` applied to each 1-D slice of ``arr`` along ``axis``.

    On traced values the slices are mapped with ``funcad.vmap`` (one batched
    call) when ``func1d`` is traceable, and otherwise called one at a time.
    """
    if not traced(arr, *args, *kwargs.values()):
        try:
            return backend.of(arr).xp.apply_along_axis(func1d, axis, arr, *args, **kwargs)
        except TypeError:
            # func1d may close over traced values: NumPy cannot store its results.
            if not _active_transform():
                raise
    arr = as_operand(arr, None)
    nd = ndim_of(arr)
    axis = normalize_axis(axis, nd)
    moved = moveaxis(arr, axis, -1)
    lead = shape_of(moved)[:-1]
    if 0 in lead:
        raise ValueError("apply_along_axis: cannot apply_along_axis when any iteration "
                         f"dimensions are 0 (arr has shape {shape_of(arr)}).")
    rows = reshape(moved, (math.prod(lead), shape_of(moved)[-1]))
    out = _map_rows(func1d, rows, args, kwargs)
    res_shape = shape_of(out)[1:]
    out = reshape(out, lead + res_shape)
    k = len(res_shape)
    dims = list(range(len(lead) + k))
    perm = dims[:axis] + dims[len(lead):] + dims[axis:len(lead)]
    return transpose(out, tuple(perm)) if perm != dims else out


def _active_transform() -> bool:
    return current_depth() > 0


def _map_rows(func1d, rows, args, kwargs):
    """``func1d`` of each row, stacked: one vmapped call, or a loop when vmap fails."""
    from funcad.numpy.creation import asarray
    from funcad.transforms.vmap import vmap

    def one_row(row):
        return asarray(func1d(row, *args, **kwargs))

    try:
        return vmap(one_row)(rows)
    except Exception:  # noqa: BLE001 - not traceable: fall back to a loop, which re-raises
        results = [one_row(getitem(rows, i)) for i in range(shape_of(rows)[0])]
        return concatenate([expand_dims(r, 0) for r in results], 0)


def apply_over_axes(func: Callable, a: ArrayLike, axes: int | tuple[int, ...]) -> ArrayLike:
    """``func(a, axis)`` applied over each of ``axes`` in turn, keeping dimensions."""
    if not isinstance(a, Tracer):
        try:
            return backend.of(a).xp.apply_over_axes(func, a, axes)
        except TypeError:
            if not _active_transform():
                raise
        a = backend.of(a).xp.asarray(a)
    val = a
    n = ndim_of(a)
    for axis in (axes,) if ndim_of(axes) == 0 else tuple(axes):
        axis = int(axis)
        if axis < 0:
            axis = n + axis
        res = func(val, axis)
        if ndim_of(res) != ndim_of(val):
            res = expand_dims(res, axis)
            if ndim_of(res) != ndim_of(val):
                raise ValueError(f"apply_over_axes: func returned shape {shape_of(res)} for "
                                 f"axis {axis}; the function is not returning an array of "
                                 f"the correct shape (one dimension fewer, or the same).")
        val = res
    return val


# i0 -------------------------------------------------------------------------
def i0(x: ArrayLike) -> ArrayLike:
    """Modified Bessel function of the first kind, order 0; its derivative is ``I_1``.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> round(float(fa.grad(fnp.i0)(1.0)), 12)  # I_1(1)
    0.565159103992
    """
    if not isinstance(x, Tracer):
        return backend.of(x).xp.i0(x)
    if dtype_of(x).kind == "c":
        raise TypeError("i0: complex values are not supported (as in NumPy); pass real x.")
    if dtype_of(x).kind != "f":
        x = astype(x, backend_of(x).xp.float64)
    return bessel.bessel_i(x, 0)

