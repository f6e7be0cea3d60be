"""The gamma distribution, as ``scipy.stats.gamma``: logpdf and pdf.

The cdf would need the derivative of the regularised incomplete gamma
function in ``a`` (docs/scipy.md).

>>> import funcad as fa
>>> from funcad.scipy.stats import gamma
>>> float(fa.grad(gamma.logpdf)(2.0, 3.0))  # (a - 1) / x - 1
0.0
"""

from __future__ import annotations

import operator

import funcad.numpy as fnp
from funcad.numpy._concrete import traced
from funcad.primitives.special import weak_value
from funcad.scipy.special import gammaln, xlogy
from funcad.scipy.stats._common import (
    both,
    compare,
    finish,
    invalid_unless,
    minus_log_scale,
    over_scale,
    plain,
    positive,
    safe,
    scipy_stats,
    standardize,
)

__all__ = ["logpdf", "pdf"]


def _parts(x, a, loc, scale):
    """The standardised log-density, the support and the invalid parameters."""
    z = standardize(x, loc, scale)
    inside = compare(operator.ge, z, 0)
    y = safe(inside, z, 1.0)
    value = xlogy(a - 1.0, y) - y - weak_value(gammaln, a)
    return value, z, inside, invalid_unless(both(positive(a), positive(scale)))


def logpdf(x, a, loc=0, scale=1):
    """Log of the gamma density with shape ``a``; -inf below ``loc``."""
    if not traced(x, a, loc, scale):
        return plain(scipy_stats().gamma.logpdf, x, a, loc, scale)
    value, z, inside, invalid = _parts(x, a, loc, scale)
    return finish(minus_log_scale(value, scale), z, invalid, inside)


def pdf(x, a, loc=0, scale=1):
    """The gamma density with shape ``a``; 0 below ``loc``."""
    if not traced(x, a, loc, scale):
        return plain(scipy_stats().gamma.pdf, x, a, loc, scale)
    value, z, inside, invalid = _parts(x, a, loc, scale)
    return finish(over_scale(fnp.exp(value), scale), z, invalid, inside, outside=0.0)


