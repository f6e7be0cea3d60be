"""funcad.scipy.special: SciPy's special functions, differentiable to any order.

With no traced argument each function calls ``scipy.special`` and returns
exactly what SciPy returns (float32 stays float32 where SciPy would promote a
float32 array and a Python scalar to float64). Under a transform the same
values come from primitives whose derivatives are written stably
(docs/scipy.md). On a lazy backend (Dask) the elementwise functions are
applied chunk by chunk, and ``logsumexp``, ``softmax`` and ``log_softmax`` are
built from funcad's reductions, so nothing is computed before ``.compute()``.

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

import funcad.numpy as _fnp
from funcad.core.trace import Tracer
from funcad.numpy._lazy import plain
from funcad.primitives._util import backend_of, ndim_of, normalize_axes, shape_of
from funcad.primitives.comparison import less, where
from funcad.primitives.control import stop_gradient
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
    elsewhere = _off_numpy(a, b)
    if not (elsewhere or isinstance(a, Tracer) or isinstance(b, Tracer)):
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
    if elsewhere:
        return _formula_logsumexp(a, b, axes, bool(keepdims), return_sign)
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
    if _off_numpy(x):
        return _formula_softmax(x, normalize_axes(axis, ndim_of(x)))
    if not isinstance(x, Tracer):
        return _scipy_special.softmax(x, axis=axis)
    return softmax_p.bind(x, axis=normalize_axes(axis, ndim_of(x)))


def log_softmax(x, axis=None):
    """The log of softmax, ``x - logsumexp(x)`` over ``axis``, accurate where softmax underflows."""
    if _off_numpy(x):
        return _formula_log_softmax(x, normalize_axes(axis, ndim_of(x)))
    if not isinstance(x, Tracer):
        return _scipy_special.log_softmax(x, axis=axis)
    return log_softmax_p.bind(x, axis=normalize_axes(axis, ndim_of(x)))


# Other backends than NumPy -------------------------------------------------------------
# SciPy's logsumexp and softmax would compute a Dask array at once, or copy a CuPy
# array to the host, and so would the primitives' implementations (SciPy's
# functions). On any other backend they are built from funcad's reductions instead,
# shifted by a maximum that carries no derivative: every order of derivative is then
# that of the unshifted formula, as the primitives'.
_PYTHON_SCALARS = (bool, int, float, complex)


def _off_numpy(*xs) -> bool:
    """Whether another backend than NumPy's owns one of ``xs`` (under any tracers)."""
    return any(x is not None and type(x) not in _PYTHON_SCALARS and not backend_of(x).native
               for x in xs)


def _shift(x, axes, finite: bool):
    """The maximum over ``axes`` (kept), without derivative; 0 where it is not finite."""
    if any(shape_of(x)[i] == 0 for i in axes):
        return 0.0  # nothing to shift, and the maximum of nothing is an error
    m = stop_gradient(_fnp.max(x, axis=axes, keepdims=True))
    return _fnp.where(_fnp.isfinite(m), m, 0.0) if finite else m


def _formula_logsumexp(a, b, axes, keepdims: bool, return_sign: bool):
    """``logsumexp`` as funcad operations, with SciPy's values (``a`` and ``b`` broadcast)."""
    shift_of = a
    if b is not None:
        # As SciPy: a weight of 0 removes its term, even an infinite or nan one.
        dropped = _fnp.equal(b, 0)
        shift_of = _fnp.where(dropped, -float("inf"), a)
    m = _shift(shift_of, axes, finite=True)
    if b is None:
        terms = _fnp.exp(_fnp.subtract(a, m))
    else:
        # Where b is 0, a above the shift (or nan) is replaced by it: no overflow there.
        a = _fnp.where(_fnp.logical_and(dropped, _fnp.logical_not(_fnp.less_equal(a, m))), m, a)
        terms = _fnp.multiply(b, _fnp.exp(_fnp.subtract(a, m)))
    total = _fnp.sum(terms, axis=axes, keepdims=True)
    if any(shape_of(a)[i] == 0 for i in axes):
        # A sum of nothing is -inf whatever a is: no derivative (log's would be 0/0).
        total = stop_gradient(total)
    out = _fnp.add(_fnp.log(_fnp.abs(total)), m)
    sign = _fnp.sign(total)
    if not keepdims and axes:
        out, sign = _fnp.squeeze(out, axis=axes), _fnp.squeeze(sign, axis=axes)
    if return_sign:
        return out, stop_gradient(sign)
    if b is None:
        return out
    return where(less(sign, 0), float("nan"), out)


def _formula_softmax(x, axes):
    """``softmax`` as funcad operations: SciPy's formula, shifted by the maximum."""
    terms = _fnp.exp(_fnp.subtract(x, _shift(x, axes, finite=False)))
    return _fnp.divide(terms, _fnp.sum(terms, axis=axes, keepdims=True))


def _formula_log_softmax(x, axes):
    """``log_softmax`` as funcad operations: SciPy's formula, shifted by the finite maximum."""
    shifted = _fnp.subtract(x, _shift(x, axes, finite=True))
    return _fnp.subtract(shifted, _fnp.log(_fnp.sum(_fnp.exp(shifted), axis=axes,
                                                     keepdims=True)))


def betaln(a, b):
    """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b), exact also for large a or b."""
    if plain(a, b):
        return with_float_dtype(_scipy_special.betaln(a, b), a, b)
    return log_beta(a, b)


# The incomplete gamma and beta functions and the t cdf: their derivatives in the
# shape parameters are funcad.primitives.incomplete's series and continued fractions.
def gammainc(a, x):
    """The regularised lower incomplete gamma function P(a, x); differentiable in a and x."""
    if plain(a, x):
        return with_float_dtype(_scipy_special.gammainc(a, x), a, x)
    return gammainc_p.bind(a, x)


def gammaincc(a, x):
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    if plain(a, x):
        return with_float_dtype(_scipy_special.gammaincc(a, x), a, x)
    return gammaincc_p.bind(a, x)


def betainc(a, b, x):
    """The regularised incomplete beta function I_x(a, b); differentiable in a, b and x."""
    if plain(a, b, x):
        return with_float_dtype(_scipy_special.betainc(a, b, x), a, b, x)
    return betainc_p.bind(a, b, x)


def betaincc(a, b, x):
    """The complement 1 - I_x(a, b), computed without cancellation."""
    if plain(a, b, x):
        return with_float_dtype(_scipy_special.betaincc(a, b, x), a, b, x)
    return betaincc_p.bind(a, b, x)


def stdtr(df, t):
    """Student's t distribution function with ``df`` degrees of freedom; differentiable in both."""
    if plain(df, t):
        return with_float_dtype(_scipy_special.stdtr(df, t), df, t)
    return stdtr_p.bind(df, t)
