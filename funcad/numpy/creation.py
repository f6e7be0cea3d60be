"""Array creation. Results are constants: they carry no derivative.

Functions without an array argument use the default backend; ``*_like``
functions use the backend of their argument, traced or not.
"""

from __future__ import annotations

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import traced
from funcad.primitives._util import backend_of, dtype_of, shape_of


def _xp():
    return backend.default().xp


def zeros(shape, dtype=float):
    """An array of zeros."""
    return _xp().zeros(shape, dtype=dtype)


def ones(shape, dtype=float):
    """An array of ones."""
    return _xp().ones(shape, dtype=dtype)


def full(shape, fill_value, dtype=None):
    """An array filled with ``fill_value``."""
    return _xp().full(shape, fill_value, dtype=dtype)


def empty(shape, dtype=float):
    """An uninitialised array."""
    return _xp().empty(shape, dtype=dtype)


def eye(N, M=None, k=0, dtype=float):  # noqa: N803 - mirrors numpy.eye
    """A 2-D array with ones on the ``k``-th diagonal."""
    return _xp().eye(N, M, k=k, dtype=dtype)


def identity(n, dtype=float):
    """The ``n`` by ``n`` identity matrix."""
    return _xp().identity(n, dtype=dtype)


def arange(*args, **kwargs):
    """Evenly spaced values in a half-open interval, as ``numpy.arange``."""
    return _xp().arange(*args, **kwargs)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``, differentiable in both."""
    if not (isinstance(start, Tracer) or isinstance(stop, Tracer)):
        return _xp().linspace(start, stop, num=num, endpoint=endpoint, retstep=retstep,
                              dtype=dtype, axis=axis)
    from funcad.primitives.arithmetic import add, divide, multiply, subtract

    if shape_of(start) != () or shape_of(stop) != () or retstep or axis != 0:
        raise TypeError(
            "funcad's linspace differentiates scalar start and stop (without retstep or "
            "axis) only; build other ranges as start + (stop - start) * fnp.linspace(0, 1, num)."
        )
    xp = backend_of(start if isinstance(start, Tracer) else stop).xp
    # The fractions take the ends' dtype, so float32 ends give a float32 range.
    kinds = [dtype_of(v) for v in (start, stop) if dtype_of(v) is not None]
    fractions = xp.arange(num, dtype=xp.result_type(*kinds, xp.float16))
    steps = max(num - 1, 1) if endpoint else max(num, 1)
    out = add(start, multiply(subtract(stop, start), divide(fractions, steps)))
    return out if dtype is None else array(out, dtype)


def _like(x, dtype, shape):
    xp = backend_of(x).xp
    if dtype is None:
        dtype = dtype_of(x) if dtype_of(x) is not None else xp.asarray(x).dtype
    return xp, dtype, shape_of(x) if shape is None else shape


def zeros_like(x, dtype=None, shape=None):
    """Zeros with the shape and dtype of ``x`` (which may be traced)."""
    xp, dtype, shape = _like(x, dtype, shape)
    return xp.zeros(shape, dtype=dtype)


def ones_like(x, dtype=None, shape=None):
    """Ones with the shape and dtype of ``x`` (which may be traced)."""
    xp, dtype, shape = _like(x, dtype, shape)
    return xp.ones(shape, dtype=dtype)


def full_like(x, fill_value, dtype=None, shape=None):
    """``fill_value`` with the shape and dtype of ``x`` (which may be traced)."""
    xp, dtype, shape = _like(x, dtype, shape)
    return xp.full(shape, fill_value, dtype=dtype)


def empty_like(x, dtype=None, shape=None):
    """Uninitialised values with the shape and dtype of ``x``."""
    xp, dtype, shape = _like(x, dtype, shape)
    return xp.empty(shape, dtype=dtype)



def array(obj, dtype=None):
    """An array from ``obj``; nested lists holding traced values are stacked."""
    if isinstance(obj, Tracer):
        from funcad.primitives.comparison import astype

        return obj if dtype is None else astype(obj, dtype)
    if traced(obj):
        from funcad.numpy.composites import stack

        return stack([array(o, dtype) for o in obj])
    return backend.of_many(*([obj] if not isinstance(obj, (list, tuple)) else [])).xp.array(
        obj, dtype=dtype
    )


def asarray(obj, dtype=None):
    """``obj`` as an array without copying when it already is one."""
    if isinstance(obj, Tracer) or traced(obj):
        return array(obj, dtype)
    if isinstance(obj, (list, tuple)):
        return _xp().asarray(obj, dtype=dtype)
    return backend.of(obj).xp.asarray(obj, dtype=dtype)
