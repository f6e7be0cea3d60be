"""The Dirichlet distribution, as ``scipy.stats.dirichlet``: logpdf and pdf.

As in SciPy, ``x`` holds the components along its first axis (``(K,)`` for
one point, ``(K, N)`` for N points), or ``K - 1`` of them, the last being
``1 - sum``; the latter keeps every perturbation of ``x`` on the simplex,
which is how to differentiate with respect to ``x``.

SciPy raises ``ValueError`` for points off the simplex; funcad does the same
for plain ``x``, but cannot inspect a traced ``x`` (or a lazy Dask one, whose
values are not known yet), and gives -inf there instead (with the tolerance
SciPy uses for the sum, 1e-9). A traced or lazy ``alpha`` with an entry <= 0
gives nan where SciPy raises.

>>> import numpy as np, funcad as fa
>>> from funcad.scipy.stats import dirichlet
>>> g = fa.grad(dirichlet.logpdf, argnums=1)(np.array([0.5, 0.5]), np.array([1.0, 1.0]))
>>> np.round(g, 6).tolist()  # log(x) - digamma(alpha) + digamma(sum(alpha))
[0.306853, 0.306853]
"""

from __future__ import annotations

import funcad.numpy as fnp
from funcad.primitives._util import backend_of, shape_of
from funcad.scipy.special import gammaln, xlogy
from funcad.scipy.stats._common import finish, plain, plain_values, scipy_stats

__all__ = ["logpdf", "pdf"]

_SUM_TOLERANCE = 1e-9  # SciPy's 10e-10


def _check_alpha(alpha) -> int:
    shape = shape_of(alpha)
    if len(shape) != 1:
        raise ValueError(
            f"dirichlet: alpha has shape {shape}; it must be one-dimensional, one "
            f"concentration per component."
        )
    if plain_values(alpha) and backend_of(alpha).xp.min(alpha) <= 0:
        raise ValueError(f"dirichlet: all entries of alpha must be greater than 0; got {alpha}.")
    return shape[0]


def _points(x, k: int):
    """``x`` with all ``k`` components along axis 0 (appending ``1 - sum``)."""
    shape = shape_of(x)
    if not shape or shape[0] not in (k - 1, k):
        raise ValueError(
            f"dirichlet: x has shape {shape} but alpha has {k} entries; x needs {k} or "
            f"{k - 1} components along its first axis."
        )
    if shape[0] == k - 1:
        last = 1 - fnp.sum(x, axis=0)
        x = fnp.concatenate([x, fnp.expand_dims(last, 0)], axis=0)
    if plain_values(x):
        xp = backend_of(x).xp
        if xp.min(x) < 0 or xp.max(x) > 1:
            raise ValueError("dirichlet: each entry of x must lie in [0, 1].")
        if (xp.abs(xp.sum(x, axis=0) - 1.0) > _SUM_TOLERANCE).any():
            raise ValueError(
                f"dirichlet: x must lie on the simplex; its components sum to "
                f"{xp.sum(x, axis=0)}."
            )
    return x


def _on_simplex(x):
    """Per point, whether every component is in [0, 1] and they sum to 1."""
    in_range = fnp.logical_and(fnp.greater_equal(x, 0), fnp.less_equal(x, 1))
    sums_to_one = fnp.less_equal(fnp.absolute(fnp.sum(x, axis=0) - 1.0), _SUM_TOLERANCE)
    return fnp.logical_and(fnp.all(in_range, axis=0), sums_to_one)


def logpdf(x, alpha):
    """Log of the Dirichlet density at ``x`` (components along axis 0)."""
    if plain_values(x, alpha):
        return plain(scipy_stats().dirichlet.logpdf, x, alpha)
    k = _check_alpha(alpha)
    x = _points(x, k)
    inside = True
    if not plain_values(x):
        inside = _on_simplex(x)
        x = fnp.where(inside, x, 1.0 / k)  # a point of the simplex: finite slopes
    ndim = len(shape_of(x))
    column = fnp.reshape(alpha, (k,) + (1,) * (ndim - 1))
    log_b = fnp.sum(gammaln(alpha)) - gammaln(fnp.sum(alpha))
    value = -log_b + fnp.sum(xlogy(column - 1, x), axis=0)
    invalid = fnp.any(fnp.less_equal(alpha, 0)) if not plain_values(alpha) else False
    return fnp.squeeze(finish(value, value, invalid, inside))


def pdf(x, alpha):
    """The Dirichlet density at ``x`` (components along axis 0)."""
    if plain_values(x, alpha):
        return plain(scipy_stats().dirichlet.pdf, x, alpha)
    return fnp.exp(logpdf(x, alpha))


