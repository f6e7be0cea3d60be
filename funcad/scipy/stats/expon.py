"""The exponential distribution, as ``scipy.stats.expon``: logpdf, pdf, cdf, logcdf, sf.

>>> import funcad as fa
>>> from funcad.scipy.stats import expon
>>> float(fa.grad(expon.logpdf, argnums=2)(2.0, 0.0, 1.0))  # (x - loc) / scale**2 - 1 / scale
1.0
"""

from __future__ import annotations

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
    safe,
    scipy_stats,
    standardize,
)

__all__ = ["cdf", "logcdf", "logpdf", "pdf", "sf"]


def _parts(x, loc, scale):
    """The standardised x, its support z >= 0, z there (1 elsewhere), the invalid scales."""
    z = standardize(x, loc, scale)
    inside = compare(operator.ge, z, 0)
    return z, inside, safe(inside, z, 1.0), invalid_unless(positive(scale))


def logpdf(x, loc=0, scale=1):
    """Log of the exponential density with rate ``1 / scale``; -inf below ``loc``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().expon.logpdf, x, loc, scale)
    z, inside, y, invalid = _parts(x, loc, scale)
    return finish(minus_log_scale(-y, scale), z, invalid, inside)


def pdf(x, loc=0, scale=1):
    """The exponential density with rate ``1 / scale``; 0 below ``loc``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().expon.pdf, x, loc, scale)
    z, inside, y, invalid = _parts(x, loc, scale)
    return finish(over_scale(fnp.exp(-y), scale), z, invalid, inside, outside=0.0)


def cdf(x, loc=0, scale=1):
    """The exponential distribution function ``1 - exp(-(x - loc) / scale)``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().expon.cdf, x, loc, scale)
    z, inside, y, invalid = _parts(x, loc, scale)
    return finish(-fnp.expm1(-y), z, invalid, inside, outside=0.0)


def logcdf(x, loc=0, scale=1):
    """Log of the exponential distribution function; -inf at and below ``loc``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().expon.logcdf, x, loc, scale)
    z, inside, y, invalid = _parts(x, loc, scale)
    return finish(fnp.log(-fnp.expm1(-y)), z, invalid, inside)


def sf(x, loc=0, scale=1):
    """The exponential survival function ``exp(-(x - loc) / scale)``; 1 below ``loc``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().expon.sf, x, loc, scale)
    z, inside, y, invalid = _parts(x, loc, scale)
    return finish(fnp.exp(-y), z, invalid, inside, outside=1.0)
