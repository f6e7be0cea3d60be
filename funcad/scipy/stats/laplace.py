"""The Laplace distribution, as ``scipy.stats.laplace``: logpdf, pdf, cdf, logcdf, sf.

At ``x == loc`` the derivative of ``|x - loc|`` is taken as 0 (JAX's
``abs'(0) = 0``), so ``logpdf`` and ``pdf`` have zero derivative in ``x``
there; the cdf is smooth and has its true derivative, the density.

>>> import funcad as fa
>>> from funcad.scipy.stats import laplace
>>> float(fa.grad(laplace.logpdf)(2.0))  # -sign(x - loc) / scale
-1.0
"""

from __future__ import annotations

import math
import operator

import funcad.numpy as fnp
from funcad.scipy.stats._common import (
    compare,
    finish,
    invalid_unless,
    minus_log_scale,
    over_scale,
    plain,
    plain_values,
    positive,
    scipy_stats,
    standardize,
)

__all__ = ["cdf", "logcdf", "logpdf", "pdf", "sf"]

_LOG_2 = math.log(2.0)


def logpdf(x, loc=0, scale=1):
    """Log of the Laplace density, ``-|x - loc| / scale - log(2 scale)``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().laplace.logpdf, x, loc, scale)
    z = standardize(x, loc, scale)
    # SciPy takes log(exp(-|z|) / 2), which is -inf beyond |z| = 745; this is not.
    value = -fnp.absolute(z) - _LOG_2
    return finish(minus_log_scale(value, scale), z, invalid_unless(positive(scale)))


def pdf(x, loc=0, scale=1):
    """The Laplace density, ``exp(-|x - loc| / scale) / (2 scale)``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().laplace.pdf, x, loc, scale)
    z = standardize(x, loc, scale)
    value = fnp.exp(-fnp.absolute(z)) * 0.5
    return finish(over_scale(value, scale), z, invalid_unless(positive(scale)))


def _sides(z):
    """Where z > 0, and exp(-|z|) with |z| written per side: the slope at z = 0 is 1/2."""
    right = compare(operator.gt, z, 0)
    return right, fnp.exp(-fnp.where(right, z, -z))


def cdf(x, loc=0, scale=1):
    """The Laplace distribution function."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().laplace.cdf, x, loc, scale)
    z = standardize(x, loc, scale)
    right, tail = _sides(z)
    value = fnp.where(right, 1.0 - tail * 0.5, tail * 0.5)
    return finish(value, z, invalid_unless(positive(scale)))


def logcdf(x, loc=0, scale=1):
    """Log of the Laplace distribution function, finite far in the left tail."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().laplace.logcdf, x, loc, scale)
    z = standardize(x, loc, scale)
    right, tail = _sides(z)
    value = fnp.where(right, fnp.log1p(tail * -0.5), fnp.where(right, 0.0, z) - _LOG_2)
    return finish(value, z, invalid_unless(positive(scale)))


def sf(x, loc=0, scale=1):
    """The Laplace survival function, ``cdf(-z)`` by symmetry as in SciPy."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().laplace.sf, x, loc, scale)
    z = standardize(x, loc, scale)
    right, tail = _sides(-z)
    value = fnp.where(right, 1.0 - tail * 0.5, tail * 0.5)
    return finish(value, z, invalid_unless(positive(scale)))
