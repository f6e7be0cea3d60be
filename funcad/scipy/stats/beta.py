"""The beta distribution, as ``scipy.stats.beta``: logpdf and pdf.

The cdf would need the derivatives of the regularised incomplete beta
function in ``a`` and ``b`` (docs/scipy.md).

>>> import funcad as fa
>>> from funcad.scipy.stats import beta
>>> float(fa.grad(beta.logpdf)(0.5, 2.0, 2.0))  # (a - 1) / x - (b - 1) / (1 - x)
0.0
"""

from __future__ import annotations

import operator

import funcad.numpy as fnp
from funcad.numpy._concrete import traced
from funcad.primitives.special import weak_value
from funcad.scipy.special import betaln, xlog1py, xlogy
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


def _parts(x, a, b, loc, scale):
    """The standardised log-density, the support [0, 1] and the invalid parameters."""
    z = standardize(x, loc, scale)
    inside = both(compare(operator.ge, z, 0), compare(operator.le, z, 1))
    y = safe(inside, z, 0.5)
    # As SciPy: xlog1py(b - 1, -x) + xlogy(a - 1, x) - betaln(a, b).
    log_kernel = weak_value(xlog1py, b - 1.0, -y) + weak_value(xlogy, a - 1.0, y)
    value = log_kernel - weak_value(betaln, a, b)
    invalid = invalid_unless(both(both(positive(a), positive(b)), positive(scale)))
    return value, z, inside, invalid


def logpdf(x, a, b, loc=0, scale=1):
    """Log of the beta density with shapes ``a``, ``b`` on [loc, loc + scale]."""
    if not traced(x, a, b, loc, scale):
        return plain(scipy_stats().beta.logpdf, x, a, b, loc, scale)
    value, z, inside, invalid = _parts(x, a, b, loc, scale)
    return finish(minus_log_scale(value, scale), z, invalid, inside)


def pdf(x, a, b, loc=0, scale=1):
    """The beta density with shapes ``a``, ``b`` on [loc, loc + scale]."""
    if not traced(x, a, b, loc, scale):
        return plain(scipy_stats().beta.pdf, x, a, b, loc, scale)
    value, z, inside, invalid = _parts(x, a, b, loc, scale)
    return finish(over_scale(fnp.exp(value), scale), z, invalid, inside, outside=0.0)
