"""The normal distribution, as ``scipy.stats.norm``: logpdf, pdf, cdf, logcdf, sf.

>>> import funcad as fa
>>> from funcad.scipy.stats import norm
>>> float(fa.grad(norm.logpdf)(1.0))  # -(x - loc) / scale**2
-1.0
"""

from __future__ import annotations

import math

import funcad.numpy as fnp
from funcad.scipy.special import log_ndtr, ndtr
from funcad.scipy.stats._common import (
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

_SQRT_2PI = math.sqrt(2 * math.pi)
_LOG_SQRT_2PI = math.log(_SQRT_2PI)


def standard_logpdf(z):
    """The standard normal log-density, as SciPy writes it."""
    return fnp.multiply(-0.5, fnp.square(z)) - _LOG_SQRT_2PI


def logpdf(x, loc=0, scale=1):
    """Log of the normal density with mean ``loc`` and standard deviation ``scale``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().norm.logpdf, x, loc, scale)
    z = standardize(x, loc, scale)
    return finish(minus_log_scale(standard_logpdf(z), scale), z, invalid_unless(positive(scale)))


def pdf(x, loc=0, scale=1):
    """The normal density with mean ``loc`` and standard deviation ``scale``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().norm.pdf, x, loc, scale)
    z = standardize(x, loc, scale)
    value = fnp.exp(fnp.multiply(-0.5, fnp.square(z))) / _SQRT_2PI
    return finish(over_scale(value, scale), z, invalid_unless(positive(scale)))


def cdf(x, loc=0, scale=1):
    """The normal distribution function, ``ndtr((x - loc) / scale)``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().norm.cdf, x, loc, scale)
    z = standardize(x, loc, scale)
    return finish(ndtr(z), z, invalid_unless(positive(scale)))


def logcdf(x, loc=0, scale=1):
    """Log of the normal distribution function, accurate far in the left tail."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().norm.logcdf, x, loc, scale)
    z = standardize(x, loc, scale)
    return finish(log_ndtr(z), z, invalid_unless(positive(scale)))


def sf(x, loc=0, scale=1):
    """The normal survival function, ``ndtr(-(x - loc) / scale)``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().norm.sf, x, loc, scale)
    z = standardize(x, loc, scale)
    return finish(ndtr(-z), z, invalid_unless(positive(scale)))
