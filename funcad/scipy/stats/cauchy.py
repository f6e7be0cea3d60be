"""The Cauchy distribution, as ``scipy.stats.cauchy``: logpdf, pdf, cdf, logcdf, sf.

>>> import funcad as fa
>>> from funcad.scipy.stats import cauchy
>>> float(fa.grad(cauchy.logpdf)(1.0))  # -2 x / (1 + x**2)
-1.0
"""

from __future__ import annotations

import math

import funcad.numpy as fnp
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

_LOG_PI = math.log(math.pi)


def _standard_logpdf(z):
    # As SciPy: -log(pi) - log1p(z**2) for |z| < 1, and for larger |z|
    # -log(pi) - (2 log|z| + log1p(1 / z**2)), where z**2 would overflow.
    # Each branch sees only its own inputs, so no inf reaches the other's slope.
    near = fnp.less(fnp.absolute(z), 1)
    z_near = fnp.where(near, z, 0.0)
    z_far = fnp.where(near, 1.0, z)
    value_near = -_LOG_PI - fnp.log1p(z_near * z_near)
    value_far = -_LOG_PI - (2 * fnp.log(fnp.absolute(z_far)) + fnp.log1p(fnp.square(1 / z_far)))
    return fnp.where(near, value_near, value_far)


def logpdf(x, loc=0, scale=1):
    """Log of the Cauchy density with location ``loc`` and scale ``scale``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().cauchy.logpdf, x, loc, scale)
    z = standardize(x, loc, scale)
    return finish(minus_log_scale(_standard_logpdf(z), scale), z, invalid_unless(positive(scale)))


def pdf(x, loc=0, scale=1):
    """The Cauchy density with location ``loc`` and scale ``scale``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().cauchy.pdf, x, loc, scale)
    z = standardize(x, loc, scale)
    value = (1.0 / math.pi) / (1.0 + z * z)
    return finish(over_scale(value, scale), z, invalid_unless(positive(scale)))


def _standard_cdf(z):
    return fnp.arctan2(1.0, -z) / math.pi


def cdf(x, loc=0, scale=1):
    """The Cauchy distribution function, ``arctan2(1, -z) / pi``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().cauchy.cdf, x, loc, scale)
    z = standardize(x, loc, scale)
    return finish(_standard_cdf(z), z, invalid_unless(positive(scale)))


def logcdf(x, loc=0, scale=1):
    """Log of the Cauchy distribution function."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().cauchy.logcdf, x, loc, scale)
    z = standardize(x, loc, scale)
    return finish(fnp.log(_standard_cdf(z)), z, invalid_unless(positive(scale)))


def sf(x, loc=0, scale=1):
    """The Cauchy survival function, ``arctan2(1, z) / pi``."""
    if plain_values(x, loc, scale):
        return plain(scipy_stats().cauchy.sf, x, loc, scale)
    z = standardize(x, loc, scale)
    return finish(fnp.arctan2(1.0, z) / math.pi, z, invalid_unless(positive(scale)))
