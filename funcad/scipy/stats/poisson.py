"""The Poisson distribution, as ``scipy.stats.poisson``: logpmf, pmf, cdf, logcdf.

``k`` is data on the integers: it carries no derivative (SciPy gives -inf
between integers); ``mu`` is differentiable. Like an index, a NumPy ``k``
is accepted next to a CuPy ``mu`` and copied to the device. The cdf is
``gammaincc(floor(k) + 1, mu)``, SciPy's ``pdtr``; its derivative in ``mu`` is
``-pmf(floor(k), mu)``.

>>> import funcad as fa
>>> from funcad.scipy.stats import poisson
>>> float(fa.grad(poisson.logpmf, argnums=1)(3, 2.0))  # k / mu - 1
0.5
>>> round(float(fa.grad(poisson.cdf, argnums=1)(0, 2.0)), 12)  # -exp(-mu)
-0.135335283237
"""

from __future__ import annotations

import math
import operator

import funcad.numpy as fnp
from funcad.primitives.special import on_device_of, weak_value
from funcad.scipy.special import gammaincc, gammaln, xlogy
from funcad.scipy.stats._common import (
    both,
    compare,
    finish,
    invalid_unless,
    plain,
    plain_values,
    safe,
    scipy_stats,
    select,
)

__all__ = ["cdf", "logcdf", "logpmf", "pmf"]


def _parts(k, mu, loc):
    """The log-pmf, the support (integers >= 0) and the invalid means."""
    k = on_device_of(k, mu, loc)
    k = k if (isinstance(loc, int) and loc == 0) else k - loc
    inside = both(compare(operator.ge, k, 0), compare(operator.eq, fnp.floor(k), k))
    j = safe(inside, k, 0.0)
    value = xlogy(j, mu) - weak_value(gammaln, j + 1) - mu
    return value, k, inside, invalid_unless(compare(operator.ge, mu, 0))


def logpmf(k, mu, loc=0):
    """Log of the Poisson probability of ``k`` with mean ``mu``."""
    if plain_values(k, mu, loc):
        return plain(scipy_stats().poisson.logpmf, k, mu, loc)
    value, k, inside, invalid = _parts(k, mu, loc)
    return finish(value, k, invalid, inside)


def pmf(k, mu, loc=0):
    """The Poisson probability of ``k`` with mean ``mu``."""
    if plain_values(k, mu, loc):
        return plain(scipy_stats().poisson.pmf, k, mu, loc)
    value, k, inside, invalid = _parts(k, mu, loc)
    return finish(fnp.exp(value), k, invalid, inside, outside=0.0)


def _cdf_parts(k, mu, loc):
    """P(K <= k), k's support test (k >= 0) and the invalid means."""
    k = on_device_of(k, mu, loc)
    k = k if (isinstance(loc, int) and loc == 0) else k - loc
    inside = compare(operator.ge, k, 0)
    finite = both(inside, compare(operator.lt, k, math.inf))
    if isinstance(k, (int, float)):
        # A Python float stays weak: float32 mu keeps float32, as SciPy's values here.
        j = float(math.floor(k)) if finite else 0.0
    else:
        j = safe(finite, fnp.floor(k), 0.0)
    valid = compare(operator.ge, mu, 0)
    mu = safe(valid, mu, 1.0, k, mu, loc)
    value = select(finite, gammaincc(j + 1.0, mu), 1.0)
    return value, k, inside, invalid_unless(valid)


def cdf(k, mu, loc=0):
    """The Poisson distribution function P(K <= k), ``gammaincc(floor(k) + 1, mu)``."""
    if plain_values(k, mu, loc):
        return plain(scipy_stats().poisson.cdf, k, mu, loc)
    value, k, inside, invalid = _cdf_parts(k, mu, loc)
    return finish(value, k, invalid, inside, outside=0.0)


def logcdf(k, mu, loc=0):
    """Log of the Poisson distribution function."""
    if plain_values(k, mu, loc):
        return plain(scipy_stats().poisson.logcdf, k, mu, loc)
    value, k, inside, invalid = _cdf_parts(k, mu, loc)
    # SciPy gives 0 at k = inf even for an invalid mu (its logcdf sets that last).
    return fnp.where(compare(operator.eq, k, math.inf), 0.0,
                     finish(fnp.log(value), k, invalid, inside))
