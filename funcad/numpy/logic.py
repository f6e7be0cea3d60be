"""Logic and integer functions: logical_not, isclose, array_equal, isin, bitwise ops, gcd, ...

The bitwise, shift, gcd and lcm ufuncs and ``logical_not``/``logical_xor``
are primitives with no derivative (``funcad.primitives.integer``): on traced
values they give plain integers or booleans, and under ``vmap`` batched ones.
``isclose``, ``array_equal``, ``array_equiv`` and ``isin`` are composites of
comparisons; with known values (under ``grad``, ``jvp``, ``vjp``) they call
the backend on them. ``allclose``, ``array_equal`` and ``array_equiv`` return a
Python ``bool`` as NumPy does, except under ``vmap``, where the answer is one
boolean per example, and on other backends than NumPy, where it is a 0-d
boolean array (CuPy's own ``allclose`` returns one; a lazy Dask one computes
later). Where the shapes alone decide (``array_equal`` of different shapes)
Dask's answer is the Python ``False``, as Dask's own functions give.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.vmap(lambda x: fnp.isin(x, np.array([1, 3])))(np.array([[1, 2], [3, 3]]))
array([[ True, False],
       [ True,  True]])
"""

from __future__ import annotations

import contextlib

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import maybe_concrete
from funcad.numpy._lazy import plain, plain_xp
from funcad.numpy._numerical_util import default_xp
from funcad.numpy.composites import ravel
from funcad.primitives import logical
from funcad.primitives._util import backend_of, dtype_of, shape_of
from funcad.primitives.arithmetic import add, multiply, subtract
from funcad.primitives.comparison import astype, equal, less_equal, logical_and, logical_or
from funcad.primitives.elementwise import absolute
from funcad.primitives.integer import (
    bitwise_and,
    bitwise_count,
    bitwise_or,
    bitwise_xor,
    gcd,
    invert,
    lcm,
    left_shift,
    logical_not,
    logical_xor,
    right_shift,
)
from funcad.primitives.shape import reshape
from funcad.primitives.special_values import isfinite, isnan

__all__ = [
    "logical_not", "logical_xor", "isclose", "allclose", "array_equal", "array_equiv", "isin",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert", "invert",
    "bitwise_count", "left_shift", "right_shift", "bitwise_left_shift", "bitwise_right_shift",
    "gcd", "lcm",
]  # fmt: skip

# NumPy's other names for the same ufuncs.
bitwise_not = bitwise_invert = invert
bitwise_left_shift, bitwise_right_shift = left_shift, right_shift


def _kind(x) -> str:
    dtype = dtype_of(x)
    return dtype.kind if dtype is not None else default_xp().asarray(x).dtype.kind


def _as_bool(result):
    """NumPy's Python ``bool`` where the answer is known; a traced boolean under ``vmap``.

    On other backends the answer is a 0-d boolean array, as their own ``allclose``
    returns: on a lazy one (Dask) computed with the rest, on a device (CuPy) left
    there rather than waited for.
    """
    if isinstance(result, Tracer) or not backend.of(result).native:
        return result
    return bool(result)


def _false_like(*arrays):
    """``False`` as the backend of ``arrays`` gives it: NumPy's bool, a 0-d array on a device."""
    for a in arrays:
        if isinstance(a, Tracer) or backend.is_array(a):
            be = backend_of(a)
            if not (be.native or be.lazy):
                return be.xp.asarray(False)
    return False


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan: bool = False):
    """Elementwise ``|a - b| <= atol + rtol * |b|``, as booleans; not differentiable."""
    plain = maybe_concrete([a, b, rtol, atol])
    if plain is not None:
        be = backend.of_arrays(*plain)
        xp = be.xp
        if not be.native:
            # Another backend's ufuncs take no lists: they become its arrays.
            plain = [xp.asarray(v) if isinstance(v, (list, tuple)) else v for v in plain]
        return xp.isclose(*plain, equal_nan=equal_nan)
    x, y = a, b
    # As NumPy: y is made inexact, so that abs(y) cannot overflow an integer.
    if dtype_of(y) is not None and dtype_of(y).kind != "m":
        dtype = default_xp().result_type(dtype_of(y), 1.0)
        y = astype(y, dtype)
    elif isinstance(y, int):
        y = float(y)
    # As NumPy: inf - inf is NaN here without a warning; it compares False.
    errstate = getattr(default_xp(), "errstate", None)
    with errstate(invalid="ignore") if errstate is not None else contextlib.nullcontext():
        gap = absolute(subtract(x, y))
    result = logical_or(
        logical_and(less_equal(gap, add(atol, multiply(rtol, absolute(y)))), isfinite(y)),
        equal(x, y))
    if equal_nan:
        result = logical_or(result, logical_and(isnan(x), isnan(y)))
    return result


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan: bool = False):
    """Whether every element of ``a`` is close to ``b`` (see ``isclose``)."""
    if plain(a, b, rtol, atol):
        return plain_xp(a, b, rtol, atol).allclose(a, b, rtol, atol, equal_nan)
    return _as_bool(logical.all(isclose(a, b, rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan: bool = False):
    """Whether ``a1`` and ``a2`` have the same shape and elements."""
    if plain(a1, a2):
        return plain_xp(a1, a2).array_equal(a1, a2, equal_nan)
    if shape_of(a1) != shape_of(a2):
        return _false_like(a1, a2)
    same = equal(a1, a2)
    if equal_nan and (_kind(a1) in "fc" and _kind(a2) in "fc"):
        same = logical_or(same, logical_and(isnan(a1), isnan(a2)))
    return _as_bool(logical.all(same))


def array_equiv(a1, a2):
    """Whether ``a1`` and ``a2`` broadcast to each other and agree elementwise."""
    if plain(a1, a2):
        return plain_xp(a1, a2).array_equiv(a1, a2)
    try:
        default_xp().broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return _false_like(a1, a2)
    return _as_bool(logical.all(equal(a1, a2)))


def isin(element, test_elements, assume_unique: bool = False, invert: bool = False, *,
         kind: str | None = None):
    """Elementwise: whether ``element`` occurs in ``test_elements``; not differentiable.

    Under ``vmap`` every pair is compared (O(element.size * test_elements.size)).
    """
    plain = maybe_concrete([element, test_elements])
    if plain is not None:
        # kind= only where given: CuPy's isin has no such option.
        options = {} if kind is None else {"kind": kind}
        return backend.of_arrays(*plain).xp.isin(*plain, assume_unique=assume_unique, invert=invert,
                                      **options)
    column = reshape(element, shape_of(element) + (1,))
    found = logical.any(equal(column, ravel(test_elements)), axis=-1)
    return logical_not(found) if invert else found

