"""The Poisson distribution, as ``scipy.stats.poisson``: logpmf and pmf.

``k`` is data on the integers: it carries no derivative (SciPy gives -inf
between integers); ``mu`` is differentiable.

>>> import funcad as fa
>>> from funcad.scipy.stats import poisson
>>> float(fa.grad(poisson.logpmf, argnums=1)(3, 2.0))  # k / mu - 1
0.5
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
    plain,
    safe,
    scipy_stats,
)

__all__ = ["logpmf", "pmf"]


def _parts(k, mu, loc):
    """The log-pmf, the support (integers >= 0) and the invalid means."""
    k = k if (isinstance(loc, int) and loc == 0) else k - loc
    inside = both(compare(operator.ge, k, 0), compare(operator.eq, fnp.floor(k), k))
    j = safe(inside, k, 0.0)
    value = xlogy(j, mu) - weak_value(gammaln, j + 1) - mu
    return value, k, inside, invalid_unless(compare(operator.ge, mu, 0))


def logpmf(k, mu, loc=0):
    """Log of the Poisson probability of ``k`` with mean ``mu``."""
    if not traced(k, mu, loc):
        return plain(scipy_stats().poisson.logpmf, k, mu, loc)
    value, k, inside, invalid = _parts(k, mu, loc)
    return finish(value, k, invalid, inside)


def pmf(k, mu, loc=0):
    """The Poisson probability of ``k`` with mean ``mu``."""
    if not traced(k, mu, loc):
        return plain(scipy_stats().poisson.pmf, k, mu, loc)
    value, k, inside, invalid = _parts(k, mu, loc)
    return finish(fnp.exp(value), k, invalid, inside, outside=0.0)
