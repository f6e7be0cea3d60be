"""Comparisons (no derivative), ``where`` and ``astype``."""

from __future__ import annotations

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.core.trace import Tracer
from funcad.primitives._ufunc import binary_ufunc
from funcad.primitives._util import (
    broadcasting_batch,
    dtype_of,
    shape_of,
    unbroadcast,
    vectorized_batch,
)


def _comparison(name: str, doc: str):
    return binary_ufunc(name, f"Elementwise ``{doc}`` as booleans; not differentiable.")


less_p, less = _comparison("less", "x < y")
less_equal_p, less_equal = _comparison("less_equal", "x <= y")
greater_p, greater = _comparison("greater", "x > y")
greater_equal_p, greater_equal = _comparison("greater_equal", "x >= y")
equal_p, equal = _comparison("equal", "x == y")
not_equal_p, not_equal = _comparison("not_equal", "x != y")
logical_and_p, logical_and = _comparison("logical_and", "x and y")
logical_or_p, logical_or = _comparison("logical_or", "x or y")


# where ----------------------------------------------------------------------
where_p = Primitive("where")


_NOT_GIVEN = object()


def where(condition, x=_NOT_GIVEN, y=_NOT_GIVEN, /, *, size=None, fill_value=None):
    """``x`` where ``condition`` holds, else ``y``; differentiable in ``x`` and ``y``.

    With ``condition`` alone it is ``nonzero(condition)`` (``size=`` and
    ``fill_value=`` as in ``funcad.numpy.nonzero``).
    """
    if x is _NOT_GIVEN and y is _NOT_GIVEN:
        from funcad.numpy.searching import _nonzero

        return _nonzero(condition, size, fill_value, "where")
    if x is _NOT_GIVEN or y is _NOT_GIVEN:
        raise ValueError("where: either both or neither of x and y should be given.")
    if size is not None or fill_value is not None:
        raise TypeError("where: size= and fill_value= apply to the one-argument form only.")
    return where_p.bind(condition, x, y)


@where_p.def_impl
def _where_impl(condition, x, y):
    return backend.of_many(condition, x, y).xp.where(condition, x, y)


def _where_jvp_x(t, ans, condition, x, y):
    return where(condition, t, 0)


def _where_jvp_y(t, ans, condition, x, y):
    return where(condition, 0, t)


def _where_vjp_x(ct, ans, condition, x, y):
    return unbroadcast(where(condition, ct, 0), shape_of(x))


def _where_vjp_y(ct, ans, condition, x, y):
    return unbroadcast(where(condition, 0, ct), shape_of(y))


where_p.def_jvp(None, _where_jvp_x, _where_jvp_y)
where_p.def_vjp(None, _where_vjp_x, _where_vjp_y)
where_p.def_batch(broadcasting_batch(where_p))


# astype ---------------------------------------------------------------------
astype_p = Primitive("astype")


def astype(x, dtype):
    """``x`` converted to ``dtype``; differentiable between inexact dtypes."""
    if dtype_of(x) == dtype and isinstance(x, Tracer):
        return x
    return astype_p.bind(x, dtype=dtype)


@astype_p.def_impl
def _astype_impl(x, *, dtype):
    return backend.of(x).xp.asarray(x).astype(dtype)


def _is_inexact(dtype) -> bool:
    return getattr(dtype, "kind", None) in ("f", "c")


def _astype_jvp(t, ans, x, *, dtype):
    if not _is_inexact(dtype_of(ans)):
        return None
    return astype(t, dtype_of(ans))


def _astype_vjp(ct, ans, x, *, dtype):
    # Nothing flows back through an integer or boolean result, nor into one.
    if not (_is_inexact(dtype_of(ans)) and _is_inexact(dtype_of(x))):
        return None
    if dtype_of(ct).kind == "c" and dtype_of(x).kind != "c":
        from funcad.primitives.complex import real

        # The transpose of embedding reals in the complex plane keeps the real part.
        ct = real(ct)
    return astype(ct, dtype_of(x))


astype_p.def_jvp(_astype_jvp)
astype_p.def_vjp(_astype_vjp)
astype_p.def_batch(vectorized_batch(astype_p))
astype_p.linear = True
