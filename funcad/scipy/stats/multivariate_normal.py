"""The multivariate normal distribution, as ``scipy.stats.multivariate_normal``.

``logpdf`` and ``pdf`` of points ``x`` (the last axis holds the ``d``
coordinates) with ``mean`` and ``cov``, through the Cholesky factor
``cov = L L^T``: ``log det cov = 2 sum(log(diag(L)))`` and the Mahalanobis
term is ``|L^{-1} (x - mean)|^2``, one triangular solve, never an inverse.
``cov`` may be a matrix, a vector (the diagonal) or a scalar (times the
identity), as in SciPy. Only the lower triangle of ``cov`` is read; its
derivative is that of the symmetric matrix. A singular ``cov`` raises
``LinAlgError`` under transforms (``allow_singular`` is for SciPy's plain path).

``cdf`` and ``logcdf`` (``_mvn_cdf``) are deterministic under transforms:
exact in one and two dimensions, a fixed lattice rule in more, so that
derivatives of every order follow by autodiff.

On Dask arrays every function takes the path of the transforms (SciPy would
compute the arrays at once), so the graph stays lazy: the cdf is then the
deterministic one, which in three or more dimensions agrees with SciPy's
randomised estimate to about ``abseps``; ``allow_singular`` and ``rng`` are
not used there.

>>> import numpy as np, funcad as fa
>>> from funcad.scipy.stats import multivariate_normal
>>> cov = np.array([[2.0, 0.5], [0.5, 1.0]])
>>> g = fa.grad(multivariate_normal.logpdf)(np.array([1.0, -1.0]), np.zeros(2), cov)
>>> np.allclose(g, -np.linalg.solve(cov, [1.0, -1.0]))
True
>>> corr = np.array([[1.0, 0.5], [0.5, 1.0]])
>>> round(float(multivariate_normal.cdf(np.zeros(2), cov=corr)), 12)  # 1/4 + asin(1/2)/(2 pi)
0.333333333333
>>> fa.grad(lambda x: multivariate_normal.cdf(x, cov=corr))(np.zeros(2)).round(6)  # pdf(0)/2
array([0.199471, 0.199471])
"""

from __future__ import annotations

import math
import numbers

import funcad.numpy as fnp
from funcad.primitives._util import constants_xp, shape_of
from funcad.primitives.special import result_float_dtype, with_float_dtype
from funcad.scipy.stats import _mvn_cdf
from funcad.scipy.stats._common import plain, plain_values, scipy_stats

__all__ = ["cdf", "logcdf", "logpdf", "pdf"]

_LOG_2PI = math.log(2 * math.pi)


def _dimension(mean, cov) -> int:
    """The number of coordinates, inferred from mean, else cov (as SciPy does)."""
    if mean is not None:
        return math.prod(shape_of(mean))
    cov_shape = shape_of(cov)
    if len(cov_shape) > 2:
        raise ValueError(
            f"multivariate_normal: cov has shape {cov_shape}; it must be a scalar, a vector "
            f"(the diagonal) or a (d, d) matrix. For a stack of covariances, vmap over it."
        )
    return cov_shape[0] if len(cov_shape) == 2 else 1


def _constants(*args):
    """The namespace for constants meeting ``args``: that of the first array among them.

    Python numbers and lists (``cov=1``, ``mean=[0, 0]``) become arrays there, and
    so does the identity a scalar or diagonal ``cov`` is spread on: on the device
    of CuPy data, NumPy for NumPy and Dask data (a Dask graph takes NumPy constants).
    """
    for a in args:
        if a is not None and not isinstance(a, (bool, int, float, list, tuple)):
            return constants_xp(a)
    return constants_xp(0.0)


def _as_array(value, xp, numbers: bool = True):
    """``value`` as an array of ``xp`` where it is a Python list (or number); else as it is."""
    python = (bool, int, float, list, tuple) if numbers else (list, tuple)
    return xp.asarray(value) if isinstance(value, python) else value


def _parameters(mean, cov, d: int, dtype, xp):
    """The mean as a (d,) vector (None stays None) and cov as a (d, d) matrix."""
    mean = None if mean is None else _as_array(mean, xp)
    # A Python number stays one (weak, NEP 50) where it scales the identity.
    cov = _as_array(cov, xp, numbers=False)
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
        cov = fnp.reshape(_as_array(cov, xp), (1, 1))
    elif len(cov_shape) == 0 or cov_shape == (d,):
        # A scalar times the identity, or the diagonal: one column of the identity each.
        cov = fnp.multiply(xp.eye(d, dtype=dtype), cov)
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
        if d != 1 and shape[0] != d:
            raise ValueError(
                f"multivariate_normal: x has shape {shape}; a vector x is one point and must "
                f"have length {d} (shape ({d},)), or give points as shape (n, {d})."
            )
        return fnp.reshape(x, (shape[0], 1) if d == 1 else (1, shape[0]))
    if shape[-1] != d:
        raise ValueError(
            f"multivariate_normal: x has shape {shape}; its last axis must hold the {d} "
            f"coordinates."
        )
    return x


def logpdf(x, mean=None, cov=1, allow_singular: bool = False):
    """Log of the multivariate normal density at the points ``x`` (last axis: coordinates)."""
    if plain_values(x, mean, cov):
        return plain(scipy_stats().multivariate_normal.logpdf, x, mean, cov, allow_singular)
    d = _dimension(mean, cov)
    xp = _constants(x, mean, cov)
    mean, cov = _parameters(mean, cov, d, result_float_dtype(x, mean, cov), xp)
    x = _points(_as_array(x, xp), d)
    deviations = fnp.reshape(x if mean is None else x - mean, (-1, d))
    factor = fnp.linalg.cholesky(cov)
    whitened = fnp.linalg.solve_triangular(factor, fnp.transpose(deviations), lower=True)
    maha = fnp.sum(whitened * whitened, axis=0)
    log_det = 2 * fnp.sum(fnp.log(fnp.einsum("ii->i", factor)))
    value = ((d * _LOG_2PI + log_det) + maha) * -0.5
    return fnp.squeeze(fnp.reshape(value, shape_of(x)[:-1]))


def pdf(x, mean=None, cov=1, allow_singular: bool = False):
    """The multivariate normal density at the points ``x`` (last axis: coordinates)."""
    if plain_values(x, mean, cov):
        return plain(scipy_stats().multivariate_normal.pdf, x, mean, cov, allow_singular)
    return fnp.exp(logpdf(x, mean, cov))


def _check_number(function: str, name: str, value, low: float, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= low:
        raise ValueError(f"multivariate_normal.{function}: {name}={value!r}; it must be {what}.")


def _lattice_size(function: str, maxpts, abseps, releps) -> int:
    """The number of lattice points for a traced cdf in three or more dimensions."""
    if maxpts is not None:
        _check_number(function, "maxpts", maxpts, 1,
                      "None or a number >= 1 (the most integration points to use)")
        if math.isinf(maxpts):
            maxpts = None  # no cap
    _check_number(function, "abseps", abseps, 0, "a number >= 0 (an absolute error, as 1e-5)")
    _check_number(function, "releps", releps, 0, "a number >= 0 (a relative error, as 1e-5)")
    return _mvn_cdf.lattice_size(maxpts, abseps)


def _cdf(x, mean, cov, maxpts, abseps, releps, lower_limit, log: bool):
    n_points = _lattice_size("logcdf" if log else "cdf", maxpts, abseps, releps)
    d = _dimension(mean, cov)
    dtype = result_float_dtype(x, mean, cov, lower_limit)
    xp = _constants(x, mean, cov, lower_limit)
    mean, cov = _parameters(mean, cov, d, dtype, xp)
    x = _points(_as_array(x, xp), d)
    if lower_limit is not None:
        lower_limit = _lower_limit("logcdf" if log else "cdf", _as_array(lower_limit, xp), x, d)
    if dtype is None or dtype.itemsize >= 8:
        return _mvn_cdf.cdf(x, mean, cov, lower_limit, n_points, log)
    # float32 loses the far tails (the cdf underflows, its log is -inf with nan slopes):
    # compute in float64, return float32.
    x, mean, cov, lower_limit = (None if v is None else fnp.astype(v, "float64")
                                 for v in (x, mean, cov, lower_limit))
    return fnp.astype(_mvn_cdf.cdf(x, mean, cov, lower_limit, n_points, log), dtype)


def _lower_limit(function: str, lower, x, d: int):
    """The lower limits, read as the points are (a vector is several points when d = 1)."""
    shape = shape_of(lower)
    if d == 1 and len(shape) == 1:
        lower = fnp.reshape(lower, (shape[0], 1))
    try:
        fnp.broadcast_shapes(shape_of(lower), shape_of(x))
    except ValueError:
        raise ValueError(
            f"multivariate_normal.{function}: lower_limit has shape {shape}, which does not "
            f"broadcast with the points x (shape {shape_of(x)}); give one lower limit per "
            f"coordinate (shape ({d},)) or one per point."
        ) from None
    return lower


def _plain_cdf(method, x, mean, cov, allow_singular, maxpts, abseps, releps, lower_limit,
               rng):
    out = method(x, mean, cov, allow_singular, maxpts, abseps, releps,
                 lower_limit=lower_limit, rng=rng)
    # SciPy's logcdf is complex where a lower limit above x makes the cdf negative.
    if getattr(out, "dtype", None) is not None and out.dtype.kind == "c":
        return out
    return with_float_dtype(out, x, mean, cov, lower_limit)


def cdf(x, mean=None, cov=1, allow_singular: bool = False, maxpts=None, abseps=1e-5,
        releps=1e-5, *, lower_limit=None, rng=None):
    """The multivariate normal distribution function at ``x``: P(X <= x) (or in a box).

    Under transforms (and on Dask arrays) it is deterministic (``rng`` is not
    used): exact for one and two coordinates, Genz's method on a fixed lattice
    of about ``0.04 / abseps`` points (at most ``maxpts``, 1009 to 65521) for more.
    """
    if plain_values(x, mean, cov, lower_limit):
        return _plain_cdf(scipy_stats().multivariate_normal.cdf, x, mean, cov, allow_singular,
                          maxpts, abseps, releps, lower_limit, rng)
    return _cdf(x, mean, cov, maxpts, abseps, releps, lower_limit, log=False)


def logcdf(x, mean=None, cov=1, allow_singular: bool = False, maxpts=None, abseps=1e-5,
           releps=1e-5, *, lower_limit=None, rng=None):
    """Log of the multivariate normal distribution function; ``log_ndtr`` in one dimension."""
    if plain_values(x, mean, cov, lower_limit):
        return _plain_cdf(scipy_stats().multivariate_normal.logcdf, x, mean, cov,
                          allow_singular, maxpts, abseps, releps, lower_limit, rng)
    return _cdf(x, mean, cov, maxpts, abseps, releps, lower_limit, log=True)
