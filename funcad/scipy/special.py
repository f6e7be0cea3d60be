"""funcad.scipy.special: SciPy's special functions, differentiable to any order.

With no traced argument each function calls ``scipy.special`` and returns
exactly what SciPy returns (float32 stays float32 where SciPy would promote a
float32 array and a Python scalar to float64). Under a transform the same
values come from primitives whose derivatives are written stably
(docs/scipy.md).

>>> import funcad as fa
>>> from funcad.scipy.special import logsumexp
>>> float(logsumexp([1e308, 1e308]))  # no overflow
1e+308
>>> [round(float(g), 4) for g in fa.grad(logsumexp)(fa.numpy.array([0.0, 0.0]))]
[0.5, 0.5]
>>> from funcad.scipy.special import gammainc
>>> round(float(fa.grad(gammainc, argnums=1)(1.0, 2.0)), 12)  # the density exp(-x) at a = 1
0.135335283237
"""

from __future__ import annotations

try:
    import scipy.special as _scipy_special
except ImportError as _error:  # pragma: no cover - exercised in a subprocess
    raise ImportError(
        "funcad.scipy.special needs SciPy, an optional dependency of funcad; "
        'install it with: pip install "funcad[scipy]"'
    ) from _error

from funcad.core.trace import Tracer
from funcad.primitives._util import backend_of, ndim_of, normalize_axes, shape_of
from funcad.primitives.comparison import less, where
from funcad.primitives.incomplete import (
    betainc_p,
    betaincc_p,
    gammainc_p,
    gammaincc_p,
)
from funcad.primitives.shape import broadcast_to
from funcad.primitives.special import (
    digamma,
    erf,
    erfc,
    erfcx,
    erfinv,
    expit,
    gammaln,
    log_beta,
    log_ndtr,
    log_softmax_p,
    logit,
    logsumexp_p,
    logsumexp_sign_p,
    ndtr,
    polygamma,
    result_float_dtype,
    softmax_p,
    with_float_dtype,
    xlog1py,
    xlogy,
)
from funcad.primitives.student import stdtr_p

__all__ = [
    "betainc",
    "betaincc",
    "betaln",
    "digamma",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "expit",
    "gammainc",
    "gammaincc",
    "gammaln",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "ndtr",
    "polygamma",
    "softmax",
    "stdtr",
    "xlog1py",
    "xlogy",
]


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False):
    """log(sum(b * exp(a))) over ``axis``, computed without overflow.

    With ``return_sign`` returns ``(log|s|, sign(s))`` for ``s = sum(b * exp(a))``;
    without it a negative ``s`` gives nan, as in SciPy. The sign has no derivative.
    """
    if not (isinstance(a, Tracer) or isinstance(b, Tracer)):
        out = _scipy_special.logsumexp(
            a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign
        )
        if b is None:
            return out
        if return_sign:
            return with_float_dtype(out[0], a, b), with_float_dtype(out[1], a, b)
        return with_float_dtype(out, a, b)
    if isinstance(b, (int, float)):
        # A weak scalar, as NumPy takes it: float32 a stays float32.
        b = backend_of(a).xp.asarray(b, dtype=result_float_dtype(a) or float)
    if b is not None and shape_of(a) != shape_of(b):
        shape = backend_of(a).xp.broadcast_shapes(shape_of(a), shape_of(b))
        a, b = broadcast_to(a, shape), broadcast_to(b, shape)
    axes = normalize_axes(axis, ndim_of(a))
    args = (a,) if b is None else (a, b)
    out = logsumexp_p.bind(*args, axis=axes, keepdims=bool(keepdims))
    if b is None and not return_sign:
        return out
    sign = logsumexp_sign_p.bind(*args, axis=axes, keepdims=bool(keepdims))
    if return_sign:
        return out, sign
    return where(less(sign, 0), float("nan"), out)


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over ``axis`` (all axes when None), shifted by the max."""
    if not isinstance(x, Tracer):
        return _scipy_special.softmax(x, axis=axis)
    return softmax_p.bind(x, axis=normalize_axes(axis, ndim_of(x)))


def log_softmax(x, axis=None):
    """The log of softmax, ``x - logsumexp(x)`` over ``axis``, accurate where softmax underflows."""
    if not isinstance(x, Tracer):
        return _scipy_special.log_softmax(x, axis=axis)
    return log_softmax_p.bind(x, axis=normalize_axes(axis, ndim_of(x)))


def betaln(a, b):
    """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b), exact also for large a or b."""
    if not (isinstance(a, Tracer) or isinstance(b, Tracer)):
        return with_float_dtype(_scipy_special.betaln(a, b), a, b)
    return log_beta(a, b)


# The incomplete gamma and beta functions and the t cdf: their derivatives in the
# shape parameters are funcad.primitives.incomplete's series and continued fractions.
def gammainc(a, x):
    """The regularised lower incomplete gamma function P(a, x); differentiable in a and x."""
    if not (isinstance(a, Tracer) or isinstance(x, Tracer)):
        return with_float_dtype(_scipy_special.gammainc(a, x), a, x)
    return gammainc_p.bind(a, x)


def gammaincc(a, x):
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    if not (isinstance(a, Tracer) or isinstance(x, Tracer)):
        return with_float_dtype(_scipy_special.gammaincc(a, x), a, x)
    return gammaincc_p.bind(a, x)


def betainc(a, b, x):
    """The regularised incomplete beta function I_x(a, b); differentiable in a, b and x."""
    if not (isinstance(a, Tracer) or isinstance(b, Tracer) or isinstance(x, Tracer)):
        return with_float_dtype(_scipy_special.betainc(a, b, x), a, b, x)
    return betainc_p.bind(a, b, x)


def betaincc(a, b, x):
    """The complement 1 - I_x(a, b), computed without cancellation."""
    if not (isinstance(a, Tracer) or isinstance(b, Tracer) or isinstance(x, Tracer)):
        return with_float_dtype(_scipy_special.betaincc(a, b, x), a, b, x)
    return betaincc_p.bind(a, b, x)


def stdtr(df, t):
    """Student's t distribution function with ``df`` degrees of freedom; differentiable in both."""
    if not (isinstance(df, Tracer) or isinstance(t, Tracer)):
        return with_float_dtype(_scipy_special.stdtr(df, t), df, t)
    return stdtr_p.bind(df, t)
