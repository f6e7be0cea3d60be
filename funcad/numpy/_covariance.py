"""Covariance and correlation matrices: ``cov`` and ``corrcoef``.

Both follow NumPy's steps (a weighted average, centred data, one matrix
product, a normalisation), written with funcad operations, so they are
differentiable in the data and in ``aweights``. ``fweights`` are counts;
they may be traced too, and then act as real-valued weights.
"""

from __future__ import annotations

import warnings
from typing import Any

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import maybe_concrete
from funcad.numpy._lazy import data_backend, param_on, plain
from funcad.numpy._numerical_util import as_operand
from funcad.numpy.composites import clip, dot
from funcad.numpy.products import diagonal
from funcad.numpy.statistics import average
from funcad.primitives._util import backend_of, dtype_of, ndim_of, shape_of
from funcad.primitives.arithmetic import add, divide, multiply, subtract
from funcad.primitives.comparison import astype, less_equal, where
from funcad.primitives.complex import conj, imag, real
from funcad.primitives.elementwise import sqrt
from funcad.primitives.indexing import getitem
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import concatenate, reshape, transpose

ArrayLike = Any


def _rows(x, dtype, rowvar: bool):
    """``x`` as a 2-D array of variables in rows (NumPy's ``ndmin=2`` and ``rowvar``)."""
    original_ndim = ndim_of(x)
    if dtype_of(x) != dtype:
        x = astype(x, dtype)
    if original_ndim < 2:
        x = reshape(x, (1, -1) if original_ndim else (1, 1))
    return x, original_ndim


def _weights(w, name: str, samples: int, like):
    w = as_operand(w, like)
    xp = backend_of(w).xp
    if dtype_of(w) != xp.float64:
        w = astype(w, xp.float64)
    if ndim_of(w) > 1:
        raise RuntimeError(f"cov: {name} has shape {shape_of(w)}; cannot handle "
                           f"multidimensional {name} (pass one weight per observation).")
    if shape_of(w)[0] != samples:
        raise RuntimeError(f"cov: {name} has {shape_of(w)[0]} entries for {samples} "
                           f"observations; incompatible numbers of samples and {name}.")
    value = maybe_concrete(w)
    if value is not None:
        if name == "fweights" and not bool(xp.all(value == xp.around(value))):
            raise TypeError("cov: fweights must be integer (frequency counts).")
        if bool(xp.any(value < 0)):
            raise ValueError(f"cov: {name} cannot be negative.")
    return w


def cov(m: ArrayLike, y: ArrayLike = None, rowvar: bool = True, bias: bool = False,
        ddof: int | None = None, fweights: ArrayLike = None, aweights: ArrayLike = None, *,
        dtype: Any = None) -> ArrayLike:
    """Covariance matrix of the variables in ``m`` (rows, or columns if not ``rowvar``).

    Weighted as NumPy: ``fweights`` repeat observations, ``aweights`` weigh
    them; the normalisation is ``v1 / (v1**2 - ddof * v2)`` with
    ``v1 = sum(w)`` and ``v2 = sum(w * aweights)``. Differentiable in ``m``,
    ``y`` and the weights.
    """
    if plain(m, y, fweights, aweights):
        return backend.of(m).xp.cov(m, y, rowvar=rowvar, bias=bias, ddof=ddof,
                                    fweights=fweights, aweights=aweights, dtype=dtype)
    if ddof is not None and ddof != int(ddof):
        raise ValueError(f"cov: ddof={ddof!r}; ddof must be integer.")
    like = next(v for v in (m, y, fweights, aweights) if not plain(v))
    data_backend(m, y, aweights)  # the observations and their weights: one backend
    m = as_operand(m, like)
    xp = backend_of(m).xp
    if ndim_of(m) > 2:
        raise ValueError(f"cov: m has shape {shape_of(m)}; m has more than 2 dimensions.")
    if y is not None:
        y = as_operand(y, like)
        if ndim_of(y) > 2:
            raise ValueError(f"cov: y has shape {shape_of(y)}; y has more than 2 dimensions.")
    if dtype is None:
        dtype = xp.result_type(*[dtype_of(v) for v in (m, y) if v is not None], xp.float64)
    X, m_ndim = _rows(m, xp.dtype(dtype), rowvar)  # noqa: N806 - NumPy's name
    if not rowvar and m_ndim != 1:
        X = transpose(X)  # noqa: N806
    if shape_of(X)[0] == 0:
        return xp.array([]).reshape(0, 0)
    if y is not None:
        y, _ = _rows(y, xp.dtype(dtype), rowvar)
        if not rowvar and shape_of(y)[0] != 1:
            y = transpose(y)
        X = concatenate([X, y], 0)  # noqa: N806
    if ddof is None:
        ddof = 1 if bias == 0 else 0
    samples = shape_of(X)[1]
    w = None
    if fweights is not None:
        # Counts, not data: NumPy ones go along with another backend's m, as index arrays do.
        w = _weights(param_on(like, fweights), "fweights", samples, like)
    if aweights is not None:
        aweights = _weights(aweights, "aweights", samples, like)
        w = aweights if w is None else multiply(w, aweights)
    avg, w_sum = average(X, axis=1, weights=w, returned=True)
    w_sum = getitem(w_sum, 0)
    if w is None:
        fact = samples - ddof
    elif ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = subtract(w_sum, ddof)
    else:
        fact = subtract(w_sum, divide(multiply(ddof, sum_(multiply(w, aweights))), w_sum))
    fact = _degrees_of_freedom(fact)
    centred = subtract(X, getitem(avg, (slice(None), None)))
    # NumPy centres in place, so X keeps its dtype.
    X = astype(centred, dtype_of(X))  # noqa: N806
    X_T = transpose(X if w is None else multiply(X, w))  # noqa: N806
    if dtype_of(X_T).kind == "c":
        X_T = conj(X_T)  # noqa: N806
    c = dot(X, X_T)
    # NumPy scales in place, so c keeps its dtype.
    # A traced or lazy factor stays an array, cast to c's real dtype; a known one is a float.
    known = plain(fact)
    scale = xp.true_divide(1, fact) if known else divide(1.0, fact)
    if not known and dtype_of(scale) != _real(dtype_of(c)):
        scale = astype(scale, _real(dtype_of(c)))
    c = multiply(c, float(scale) if known else scale)
    return reshape(c, tuple(s for s in shape_of(c) if s != 1))


def _real(dtype):
    return backend.default().xp.finfo(dtype).dtype if dtype.kind == "c" else dtype


def _degrees_of_freedom(fact):
    """``fact``, or 0 with NumPy's warning where it is not positive."""
    value = maybe_concrete(fact)
    if value is None:
        # Inside vmap each example may differ: no warning, NumPy's value.
        return where(less_equal(fact, 0), 0.0, fact)
    if value <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=4)
        return 0.0 if not isinstance(fact, Tracer) else multiply(fact, 0.0)
    return fact


def corrcoef(x: ArrayLike, y: ArrayLike = None, rowvar: bool = True, *,
             dtype: Any = None) -> ArrayLike:
    """Pearson correlation coefficients, ``cov / outer(std, std)``, clipped to [-1, 1].

    The diagonal is 1 by construction, so its derivative is zero (a clip that
    binds at exactly 1 halves a derivative that is already zero up to rounding).
    """
    if plain(x, y):
        return backend.of(x).xp.corrcoef(x, y, rowvar=rowvar, dtype=dtype)
    c = cov(x, y, rowvar, dtype=dtype)
    if ndim_of(c) != 2:
        # A scalar covariance: 1, or NaN for nan, inf or 0 (as NumPy's c / c).
        return divide(c, c)
    d = diagonal(c)
    stddev = sqrt(real(d) if dtype_of(d).kind == "c" else d)
    c = divide(c, getitem(stddev, (slice(None), None)))
    c = divide(c, getitem(stddev, (None, slice(None))))
    if dtype_of(c).kind == "c":
        return add(clip(real(c), -1, 1), multiply(clip(imag(c), -1, 1), 1j))
    return clip(c, -1, 1)
