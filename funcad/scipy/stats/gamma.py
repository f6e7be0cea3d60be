"""The gamma distribution, as ``scipy.stats.gamma``: logpdf, pdf, cdf, logcdf, sf.

The cdf is ``gammainc(a, z)``; its derivative in ``a`` is a series or continued
fraction (``funcad.primitives.incomplete``). At ``x == loc`` the cdf takes its
slope from inside the support.

>>> import funcad as fa
>>> from funcad.scipy.stats import gamma
>>> float(fa.grad(gamma.logpdf)(2.0, 3.0))  # (a - 1) / x - 1
0.0
>>> round(float(fa.grad(gamma.cdf)(2.0, 1.0)), 12)  # the density exp(-x) at a = 1
0.135335283237
"""

from __future__ import annotations

import math
import operator

import funcad.numpy as fnp
from funcad.primitives.special import weak_value
from funcad.scipy.special import gammainc, gammaincc, gammaln, xlogy
from funcad.scipy.stats._common import (
    both,
    compare,
    finish,
    invalid_unless,
    log_cdf,
    minus_log_scale,
    over_scale,
    plain,
    plain_values,
    positive,
    safe,
    scipy_stats,
    select,
    standardize,
)

__all__ = ["cdf", "logcdf", "logpdf", "pdf", "sf"]


def _parts(x, a, loc, scale):
    """The standardised log-density, the support and the invalid parameters."""
    z = standardize(x, loc, scale)
    inside = compare(operator.ge, z, 0)
    y = safe(inside, z, 1.0)
    value = xlogy(a - 1.0, y) - y - weak_value(gammaln, a)
    return value, z, inside, invalid_unless(both(positive(a), positive(scale)))


def logpdf(x, a, loc=0, scale=1):
    """Log of the gamma density with shape ``a``; -inf below ``loc``."""
    if plain_values(x, a, loc, scale):
        return plain(scipy_stats().gamma.logpdf, x, a, loc, scale)
    value, z, inside, invalid = _parts(x, a, loc, scale)
    return finish(minus_log_scale(value, scale), z, invalid, inside)


def pdf(x, a, loc=0, scale=1):
    """The gamma density with shape ``a``; 0 below ``loc``."""
    if plain_values(x, a, loc, scale):
        return plain(scipy_stats().gamma.pdf, x, a, loc, scale)
    value, z, inside, invalid = _parts(x, a, loc, scale)
    return finish(over_scale(fnp.exp(value), scale), z, invalid, inside, outside=0.0)


def _cdf_parts(x, a, loc, scale):
    """The pieces of the cdf: z, the support z >= 0, finite z there, z, a, the invalid ones.

    z is replaced by 1 outside [0, inf), and a by 1 where a parameter is invalid.
    """
    z = standardize(x, loc, scale)
    inside = compare(operator.ge, z, 0)
    finite = both(inside, compare(operator.lt, z, math.inf))
    valid = both(positive(a), positive(scale))
    return z, inside, finite, safe(finite, z, 1.0), safe(valid, a, 1.0, x, a, loc, scale), \
        invalid_unless(valid)


def cdf(x, a, loc=0, scale=1):
    """The gamma distribution function ``gammainc(a, (x - loc) / scale)``; 0 below ``loc``."""
    if plain_values(x, a, loc, scale):
        return plain(scipy_stats().gamma.cdf, x, a, loc, scale)
    z, inside, finite, y, a, invalid = _cdf_parts(x, a, loc, scale)
    return finish(select(finite, gammainc(a, y), 1.0), z, invalid, inside, outside=0.0)


def logcdf(x, a, loc=0, scale=1):
    """Log of the gamma distribution function; ``log1p(-sf)`` above the median, as SciPy."""
    if plain_values(x, a, loc, scale):
        return plain(scipy_stats().gamma.logcdf, x, a, loc, scale)
    z, inside, finite, y, a, invalid = _cdf_parts(x, a, loc, scale)
    value = log_cdf(gammainc(a, y), gammaincc(a, y))
    return finish(select(finite, value, 0.0), z, invalid, inside)


def sf(x, a, loc=0, scale=1):
    """The gamma survival function ``gammaincc(a, (x - loc) / scale)``; 1 below ``loc``."""
    if plain_values(x, a, loc, scale):
        return plain(scipy_stats().gamma.sf, x, a, loc, scale)
    z, inside, finite, y, a, invalid = _cdf_parts(x, a, loc, scale)
    return finish(select(finite, gammaincc(a, y), 0.0), z, invalid, inside, outside=1.0)
