"""NumPy functions on Dask arrays whose core axes are whole: lanes and matrices.

Sorting along an axis needs the whole axis, and a factorization the whole
matrix. Dask's own versions refuse stacks of matrices or matrices split into
chunks (``solve``, ``inv``, ``cholesky``) or are missing (``sort``,
``argsort``, ``partition``). Here the core axes are put in one chunk each
and NumPy's function runs on every chunk of the other axes (a stack of
matrices, the rows of a lane-sorted array), so the result is NumPy's exactly
and the graph still works chunk by chunk over everything else.

This module imports Dask only inside its functions (through ``load``).
"""

from __future__ import annotations

import functools

import numpy

from funcad.backend.dask import NotLazyError, _reshape


def _whole(x, axes):
    """``x`` with each of ``axes`` in one chunk; the others keep their chunks."""
    axes = {a % x.ndim for a in axes}
    if all(len(x.chunks[a]) == 1 for a in axes):
        return x
    return x.rechunk({a: -1 for a in axes})


# Lanes: sort, argsort, partition, argpartition ----------------------------------------
def _partition(block, kth, axis, **kwargs):
    return numpy.partition(block, kth, axis=axis, **kwargs)


def _argpartition(block, kth, axis, **kwargs):
    return numpy.argpartition(block, kth, axis=axis, **kwargs)


def _along_axis(da, name: str, fn, out_dtype=None):
    """``fn``, a NumPy function along one axis keeping the shape, run on whole lanes.

    ``fn(block, *args, axis=..., **kwargs)`` sees the axis in one chunk; the
    other axes go chunk by chunk.
    """

    def along(a, *args, axis=-1, order=None, **kwargs):
        if order is not None:
            raise NotLazyError(f"numpy.{name}: order= (structured arrays) has no lazy Dask "
                               f"version; compute the array first (x.compute()).")
        a = da.asarray(a)
        if axis is None:
            a, axis = _reshape(da, a, (-1,)), 0
        if not -a.ndim <= axis < a.ndim:
            raise numpy.exceptions.AxisError(axis, a.ndim)
        axis %= a.ndim
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        args = tuple(numpy.asarray(v) if isinstance(v, (list, tuple)) else v for v in args)
        dtype = a.dtype if out_dtype is None else numpy.dtype(out_dtype)
        return _whole(a, [axis]).map_blocks(fn, *args, axis=axis, dtype=dtype,
                                            meta=numpy.empty((0,) * a.ndim, dtype), **kwargs)

    along.__name__ = name
    return along


def _with_kth(along, a, kth, axis=-1, kind="introselect", order=None):
    # numpy.partition(a, kth, axis, kind, order): each lane is partitioned at kth.
    return along(a, kth, axis=axis, kind=kind, order=order)


def sorting(da) -> dict:
    """Overrides for ``sort``, ``argsort``, ``partition`` and ``argpartition``."""
    return {
        "sort": _along_axis(da, "sort", numpy.sort),
        "argsort": _along_axis(da, "argsort", numpy.argsort, numpy.intp),
        "partition": functools.partial(_with_kth, _along_axis(da, "partition", _partition)),
        "argpartition": functools.partial(
            _with_kth, _along_axis(da, "argpartition", _argpartition, numpy.intp)),
    }


# Matrices: numpy.linalg's solvers and factorizations -----------------------------------
def _check_square(name: str, a) -> None:
    if a.ndim < 2:
        raise numpy.linalg.LinAlgError(
            f"{a.ndim}-dimensional array given. Array must be at least two-dimensional")
    if a.shape[-1] != a.shape[-2]:
        raise numpy.linalg.LinAlgError("Last 2 dimensions of the array must be square")


def _aligned(arrays, cores):
    """``arrays`` with equal chunks along each loop (broadcast) dimension they share.

    ``cores[i]`` counts the core axes of ``arrays[i]`` (its last ones).
    """
    rank = max(x.ndim - c for x, c in zip(arrays, cores))
    chosen: dict[int, tuple] = {}
    for x, c in zip(arrays, cores):
        lead = rank - (x.ndim - c)
        for k in range(x.ndim - c):
            if x.shape[k] != 1:
                chosen.setdefault(lead + k, x.chunks[k])
    out = []
    for x, c in zip(arrays, cores):
        lead = rank - (x.ndim - c)
        want = {k: chosen[lead + k] for k in range(x.ndim - c)
                if x.shape[k] != 1 and x.chunks[k] != chosen[lead + k]}
        out.append(x.rechunk(want) if want else x)
    return out


def _stand_in(a):
    """A small well-conditioned matrix of ``a``'s dtype, to learn a result's dtype."""
    return numpy.eye(2, dtype=a.dtype) * 2


def _solve(da, a, b):
    a, b = da.asarray(a), da.asarray(b)
    _check_square("solve", a)
    vector = b.ndim == 1  # NumPy 2: only a 1-D b is a vector
    dtype = numpy.linalg.solve(_stand_in(a), numpy.ones(2, b.dtype)).dtype
    signature = "(m,m),(m)->(m)" if vector else "(m,m),(m,n)->(m,n)"
    a, b = _aligned([_whole(a, [-1, -2]), _whole(b, [-1] if vector else [-1, -2])],
                    [2, 1 if vector else 2])
    return da.apply_gufunc(numpy.linalg.solve, signature, a, b, output_dtypes=dtype)


def _square_to_square(da, name: str, fn):
    def square(a, **kwargs):
        a = da.asarray(a)
        _check_square(name, a)
        dtype = fn(_stand_in(a), **kwargs).dtype
        return da.apply_gufunc(fn, "(m,m)->(m,m)", _whole(a, [-1, -2]), output_dtypes=dtype,
                               **kwargs)

    square.__name__ = name
    return square


def _per_matrix(da, name: str, fn, signature, square: bool = True, sizes=None):
    """``fn`` (one matrix in, one or more arrays out) on every matrix of a stack.

    ``signature`` is a gufunc signature, or a function of the keyword arguments
    and the matrix shape giving one; ``sizes`` gives the sizes of core dims that
    only outputs have. Several outputs come back as NumPy's named tuple.
    """

    def per_matrix(a, **kwargs):
        a = da.asarray(a)
        if square:
            _check_square(name, a)
        elif a.ndim < 2:
            raise numpy.linalg.LinAlgError(
                f"{a.ndim}-dimensional array given. Array must be at least two-dimensional")
        sig = signature(a.shape[-2:], **kwargs) if callable(signature) else signature
        probe = fn(_stand_in(a), **kwargs)
        several = isinstance(probe, tuple)
        dtypes = [p.dtype for p in probe] if several else probe.dtype
        out = da.apply_gufunc(fn, sig, _whole(a, [-1, -2]), output_dtypes=dtypes,
                              output_sizes=sizes(a.shape[-2:]) if sizes else None, **kwargs)
        return type(probe)(*out) if several else out

    per_matrix.__name__ = name
    return per_matrix


def _min_size(shape) -> dict:
    return {"k": min(shape)}


def _svd_signature(shape, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:
        return "(m,n)->(k)"
    return "(m,n)->(m,m),(k),(n,n)" if full_matrices else "(m,n)->(m,k),(k),(k,n)"


def _qr_signature(shape, mode="reduced"):
    signatures = {"reduced": "(m,n)->(m,k),(k,n)", "complete": "(m,n)->(m,m),(m,n)",
                  "r": "(m,n)->(k,n)"}
    if mode not in signatures:
        raise NotLazyError(f"numpy.linalg.qr: mode={mode!r} has no lazy Dask version; use "
                           f"'reduced', 'complete' or 'r', or compute the array first.")
    return signatures[mode]


def _qr(a, mode="reduced"):
    out = numpy.linalg.qr(a, mode=mode)
    return out if mode != "r" else out  # 'r' gives one array, the others a named tuple


def _matrix_power(da, a, n):
    return _square_to_square(da, "matrix_power", numpy.linalg.matrix_power)(a, n=n)


def linalg(da) -> dict:
    """Overrides for ``numpy.linalg``'s solvers, factorizations and determinants."""
    return {
        "solve": functools.partial(_solve, da),
        "inv": _square_to_square(da, "inv", numpy.linalg.inv),
        "cholesky": _square_to_square(da, "cholesky", numpy.linalg.cholesky),
        "slogdet": _per_matrix(da, "slogdet", numpy.linalg.slogdet, "(m,m)->(),()"),
        "det": _per_matrix(da, "det", numpy.linalg.det, "(m,m)->()"),
        "eigh": _per_matrix(da, "eigh", numpy.linalg.eigh, "(m,m)->(m),(m,m)"),
        "eigvalsh": _per_matrix(da, "eigvalsh", numpy.linalg.eigvalsh, "(m,m)->(m)"),
        "svd": _per_matrix(da, "svd", numpy.linalg.svd, _svd_signature, square=False,
                           sizes=_min_size),
        "svdvals": _per_matrix(da, "svdvals", numpy.linalg.svdvals, "(m,n)->(k)",
                               square=False, sizes=_min_size),
        "qr": _per_matrix(da, "qr", _qr, _qr_signature, square=False, sizes=_min_size),
        "pinv": _per_matrix(da, "pinv", numpy.linalg.pinv, "(m,n)->(n,m)", square=False),
        "matrix_power": functools.partial(_matrix_power, da),
    }


# Cross products -----------------------------------------------------------------------
def _cross_last(a, b):
    return numpy.cross(a, b)


def _cross(da, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``numpy.cross`` on every pair of vectors (the vector axes whole, the rest by chunks)."""
    a, b = da.asarray(a), da.asarray(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = da.moveaxis(a, axisa, -1), da.moveaxis(b, axisb, -1)
    lengths = (a.shape[-1], b.shape[-1])
    if any(n not in (2, 3) for n in lengths):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    a, b = _aligned([_whole(a, [-1]), _whole(b, [-1])], [1, 1])
    dtype = numpy.cross(numpy.ones(lengths[0], a.dtype), numpy.ones(lengths[1], b.dtype)).dtype
    if lengths == (2, 2):
        return da.apply_gufunc(_cross_last, "(m),(n)->()", a, b, output_dtypes=dtype)
    out = da.apply_gufunc(_cross_last, "(m),(n)->(k)", a, b, output_dtypes=dtype,
                          output_sizes={"k": 3})
    return da.moveaxis(out, -1, axisc)


def vectors(da) -> dict:
    """The override for ``cross`` (Dask has none)."""
    return {"cross": functools.partial(_cross, da)}


# Statistics and differences -----------------------------------------------------------
def _average(da, a, axis=None, weights=None, returned=False, *, keepdims=False):
    """NumPy 2's ``average`` (weights of the shape of ``a`` along a tuple ``axis`` too)."""
    a = da.asarray(a)
    if axis is not None:
        axis = numpy.lib.array_utils.normalize_axis_tuple(axis, a.ndim, argname="axis")
    if weights is None:
        avg = a.mean(axis, keepdims=keepdims)
        scl = avg.dtype.type(a.size / max(avg.size, 1))
    else:
        wgt = da.asarray(weights)
        if a.shape != wgt.shape:
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if wgt.shape != tuple(a.shape[ax] for ax in axis):
                raise ValueError("Shape of weights must be consistent with shape of a along "
                                 "specified axis.")
            wgt = wgt.transpose(numpy.argsort(axis).tolist())
            wgt = wgt.reshape(tuple(s if ax in axis else 1 for ax, s in enumerate(a.shape)))
        if a.dtype.kind in "biu":
            dtype = numpy.result_type(a.dtype, wgt.dtype, "f8")
        else:
            dtype = numpy.result_type(a.dtype, wgt.dtype)
        # NumPy's ZeroDivisionError for weights summing to zero needs their values: the
        # lazy result is inf or NaN there instead.
        scl = wgt.sum(axis=axis, dtype=dtype, keepdims=keepdims)
        avg = (a.astype(dtype) * wgt.astype(dtype)).sum(axis, keepdims=keepdims) / scl
    if not returned:
        return avg
    return avg, da.broadcast_to(scl, avg.shape)


def _gradient(da, f, *varargs, axis=None, edge_order=1):
    """Dask's gradient with NumPy's result: one array for one axis, else a tuple.

    Each differentiated axis is rechunked where its chunks are too short for
    ``edge_order``.
    """
    f = da.asarray(f)
    axes = tuple(range(f.ndim)) if axis is None else \
        numpy.lib.array_utils.normalize_axis_tuple(axis, f.ndim)
    short = [ax for ax in axes if min(f.chunks[ax]) < edge_order + 2]
    if short:
        f = f.rechunk({ax: -1 for ax in short})
    # A lazy scalar spacing h divides the unit-spacing gradient (Dask takes numbers only).
    scales = None
    if any(isinstance(h, da.Array) and h.ndim == 0 for h in varargs):
        spacings = list(varargs) * (len(axes) if len(varargs) == 1 else 1)
        scales = [h if isinstance(h, da.Array) and h.ndim == 0 else None for h in spacings]
        varargs = tuple(1.0 if h is not None else v for h, v in zip(scales, spacings))
    out = da.gradient(f, *varargs, axis=axis, edge_order=edge_order)
    out = out if isinstance(out, list) else [out]
    if scales is not None:
        out = [g if h is None else g / h for g, h in zip(out, scales)]
    return out[0] if len(axes) == 1 else tuple(out)


def statistics(da) -> dict:
    """Overrides for ``average`` and ``gradient`` (NumPy's signatures and results)."""
    return {"average": functools.partial(_average, da),
            "gradient": functools.partial(_gradient, da)}


# Products, convolutions, integrals, elementwise options ---------------------------------
def _inner(da, a, b):
    """``numpy.inner``: a sum over the last axes (a product with a scalar)."""
    a, b = da.asarray(a), da.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return da.tensordot(a, b, axes=(-1, -1))


def _kron(da, a, b):
    """``numpy.kron``: every product ``a[i] * b[j]`` at ``i * b.shape + j``."""
    a, b = da.asarray(a), da.asarray(b)
    nd = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (nd - a.ndim) + a.shape)
    b = b.reshape((1,) * (nd - b.ndim) + b.shape)
    # Interleave the axes of a and b, multiply, then merge each pair.
    outer = a.reshape(tuple(v for s in a.shape for v in (s, 1))) * \
        b.reshape(tuple(v for s in b.shape for v in (1, s)))
    return _reshape(da, outer, tuple(p * q for p, q in zip(a.shape, b.shape)))


def _convolution(name: str):
    fn = getattr(numpy, name)

    def whole(a, v, *, mode):
        return fn(a, v, mode=mode)

    def convolution(da, a, v, mode="valid" if name == "correlate" else "full"):
        a, v = da.asarray(a), da.asarray(v)
        if a.ndim != 1 or v.ndim != 1:
            raise ValueError(f"{name}: object too deep for desired array; both inputs must "
                             f"be 1-D.")
        probe = fn(numpy.ones(a.shape[0], a.dtype), numpy.ones(v.shape[0], v.dtype), mode=mode)
        # Both sequences whole (they are 1-D), NumPy's function on them.
        return da.blockwise(whole, "k", a.rechunk(-1), "i", v.rechunk(-1), "j", mode=mode,
                            new_axes={"k": probe.shape[0]}, dtype=probe.dtype,
                            concatenate=True, meta=numpy.empty((0,), probe.dtype))

    convolution.__name__ = name
    return convolution


def _trapezoid(da, y, x=None, dx=1.0, axis=-1):
    """``numpy.trapezoid``, NumPy's formula: ``sum(d * (y[1:] + y[:-1]) / 2)``."""
    y = da.asarray(y)
    axis = axis % y.ndim
    ahead = tuple(slice(1, None) if k == axis else slice(None) for k in range(y.ndim))
    behind = tuple(slice(None, -1) if k == axis else slice(None) for k in range(y.ndim))
    if x is None:
        d = dx
    else:
        x = da.asarray(x)
        if x.ndim == 1:
            d = da.diff(x).reshape(tuple(-1 if k == axis else 1 for k in range(y.ndim)))
        else:
            d = da.diff(x, axis=axis)
    return (d * (y[ahead] + y[behind]) / 2.0).sum(axis)


def _nan_to_num(da, x, copy=True, nan=0.0, posinf=None, neginf=None):
    """``numpy.nan_to_num`` with its options, chunk by chunk."""
    x = da.asarray(x)
    return x.map_blocks(numpy.nan_to_num, nan=nan, posinf=posinf, neginf=neginf,
                        dtype=x.dtype)


def products(da) -> dict:
    """Overrides for what Dask lacks, or takes without NumPy's options.

    ``inner``, ``kron``, ``convolve``, ``correlate``, ``trapezoid`` and ``nan_to_num``.
    """
    return {
        "inner": functools.partial(_inner, da),
        "kron": functools.partial(_kron, da),
        "convolve": functools.partial(_convolution("convolve"), da),
        "correlate": functools.partial(_convolution("correlate"), da),
        "trapezoid": functools.partial(_trapezoid, da),
        "nan_to_num": functools.partial(_nan_to_num, da),
    }


# Triangles of stacks ------------------------------------------------------------------
def _triangle(da, name: str, lower: bool):
    own = getattr(da, name)

    def triangle(m, k=0):
        m = da.asarray(m)
        if m.ndim < 1:
            return own(m, k)
        # NumPy's formula: a 1-D m broadcasts to a square.
        if lower:
            keep = numpy.tri(*m.shape[-2:], k=k, dtype=bool)
        else:
            keep = ~numpy.tri(*m.shape[-2:], k=k - 1, dtype=bool)
        return da.where(keep, m, numpy.zeros((), m.dtype))

    triangle.__name__ = name
    return triangle


def triangles(da) -> dict:
    """Overrides for ``tril`` and ``triu`` (Dask's take 2-D arrays only)."""
    return {"tril": _triangle(da, "tril", True), "triu": _triangle(da, "triu", False)}
