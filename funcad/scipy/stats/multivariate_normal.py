"""The multivariate normal distribution, as ``scipy.stats.multivariate_normal``.

``logpdf`` and ``pdf`` of points ``x`` (the last axis holds the ``d``
coordinates) with ``mean`` and ``cov``, through the Cholesky factor
``cov = L L^T``: ``log det cov = 2 sum(log(diag(L)))`` and the Mahalanobis
term is ``|L^{-1} (x - mean)|^2``, one triangular solve, never an inverse.
``cov`` may be a matrix, a vector (the diagonal) or a scalar (times the
identity), as in SciPy. Only the lower triangle of ``cov`` is read; its
derivative is that of the symmetric matrix. A singular ``cov`` raises
``LinAlgError`` under transforms (``allow_singular`` is for SciPy's plain path).

>>> import numpy as np, funcad as fa
>>> from funcad.scipy.stats import multivariate_normal
>>> cov = np.array([[2.0, 0.5], [0.5, 1.0]])
>>> g = fa.grad(multivariate_normal.logpdf)(np.array([1.0, -1.0]), np.zeros(2), cov)
>>> np.allclose(g, -np.linalg.solve(cov, [1.0, -1.0]))
True
"""

from __future__ import annotations

import math

import funcad.numpy as fnp
from funcad.numpy._concrete import traced
from funcad.primitives._util import shape_of
from funcad.primitives.special import result_float_dtype
from funcad.scipy.stats._common import plain, scipy_stats

__all__ = ["logpdf", "pdf"]

_LOG_2PI = math.log(2 * math.pi)


def _dimension(mean, cov) -> int:
    """The number of coordinates, inferred from mean, else cov (as SciPy does)."""
    if mean is not None:
        return math.prod(shape_of(mean))
    cov_shape = shape_of(cov)
    return cov_shape[0] if len(cov_shape) == 2 else 1


def _parameters(mean, cov, d: int, dtype):
    """The mean as a (d,) vector (None stays None) and cov as a (d, d) matrix."""
    if mean is not None:
        if d == 1:
            mean = fnp.reshape(mean, (1,))
        if len(shape_of(mean)) != 1:
            raise ValueError(
                f"multivariate_normal: mean has shape {shape_of(mean)}; it must be a vector "
                f"of length {d}."
            )
    cov_shape = shape_of(cov)
    if d == 1 and math.prod(cov_shape) == 1:
        cov = fnp.reshape(cov, (1, 1))
    elif len(cov_shape) == 0 or cov_shape == (d,):
        # A scalar times the identity, or the diagonal: one column of the identity each.
        cov = fnp.multiply(fnp.eye(d, dtype=dtype), cov)
    elif cov_shape != (d, d):
        raise ValueError(
            f"multivariate_normal: cov has shape {cov_shape}; with mean of length {d} it "
            f"must be a scalar, a vector of length {d} or a ({d}, {d}) matrix."
        )
    return mean, cov


def _points(x, d: int):
    """The points as a (..., d) array, reading a 1-D x as SciPy does."""
    shape = shape_of(x)
    if len(shape) == 0:
        return fnp.reshape(x, (1, 1))
    if len(shape) == 1:
        return fnp.reshape(x, (shape[0], 1) if d == 1 else (1, shape[0]))
    if shape[-1] != d:
        raise ValueError(
            f"multivariate_normal: x has shape {shape}; its last axis must hold the {d} "
            f"coordinates."
        )
    return x


def logpdf(x, mean=None, cov=1, allow_singular: bool = False):
    """Log of the multivariate normal density at the points ``x`` (last axis: coordinates)."""
    if not traced(x, mean, cov):
        return plain(scipy_stats().multivariate_normal.logpdf, x, mean, cov, allow_singular)
    d = _dimension(mean, cov)
    mean, cov = _parameters(mean, cov, d, result_float_dtype(x, mean, cov))
    x = _points(x, d)
    deviations = fnp.reshape(x if mean is None else x - mean, (-1, d))
    factor = fnp.linalg.cholesky(cov)
    whitened = fnp.linalg.solve_triangular(factor, fnp.transpose(deviations), lower=True)
    maha = fnp.sum(whitened * whitened, axis=0)
    log_det = 2 * fnp.sum(fnp.log(fnp.einsum("ii->i", factor)))
    value = ((d * _LOG_2PI + log_det) + maha) * -0.5
    return fnp.squeeze(fnp.reshape(value, shape_of(x)[:-1]))


def pdf(x, mean=None, cov=1, allow_singular: bool = False):
    """The multivariate normal density at the points ``x`` (last axis: coordinates)."""
    if not traced(x, mean, cov):
        return plain(scipy_stats().multivariate_normal.pdf, x, mean, cov, allow_singular)
    return fnp.exp(logpdf(x, mean, cov))
