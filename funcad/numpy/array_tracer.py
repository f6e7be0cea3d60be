"""Array behaviour shared by every transform's tracer: operators and methods.

A transform's tracer subclasses :class:`ArrayTracer` and supplies ``_value``
(the value one level down) and, where it differs from ``_value``'s, ``shape``.
"""

from __future__ import annotations

import difflib
import math

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy import composites
from funcad.primitives import arithmetic as ar
from funcad.primitives import binary_math, indexing, integer, linalg, reduction, rounding
from funcad.primitives import comparison as cmp
from funcad.primitives import elementwise as el
from funcad.primitives import shape as sh
from funcad.primitives._util import backend_of


def _lazy_note(tracer) -> str:
    """A sentence for conversion errors where a lazy backend (Dask) owns the traced value."""
    value = tracer
    while isinstance(value, Tracer):
        value = value._value
    be = backend.of(value)
    if not be.lazy:
        return ""
    return (f" Its value is also a lazy {be.name} array: a Python number or bool of it would "
            f"compute the graph while funcad builds one; call .compute() on the results "
            f"outside the transform.")


class ArrayTracer(Tracer):
    """A traced array: behaves like a NumPy array inside transformed functions."""

    __slots__ = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return getattr(self._value, "shape", ())

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def T(self):  # noqa: N802 - mirrors ndarray.T
        return sh.transpose(self)

    @property
    def mT(self):  # noqa: N802 - mirrors ndarray.mT
        return composites.swapaxes(self, -1, -2)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d traced array")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield indexing.getitem(self, i)

    def __getitem__(self, idx):
        return indexing.getitem(self, idx)

    # NumPy's protocols: plain NumPy calls on traced values reach funcad.numpy.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        import funcad.numpy as fnp

        in_linalg = func.__module__ == "numpy.linalg"
        namespace = fnp.linalg if in_linalg else fnp
        function = getattr(namespace, func.__name__, None)
        if function is None:
            prefix = "numpy.linalg." if in_linalg else "numpy."
            raise _cannot(prefix + func.__name__, func.__name__, namespace)
        return function(*args, **kwargs)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "np.asarray/np.array of a traced value: under vmap it stands for a whole batch "
            "and has no single concrete value, and under grad/jvp funcad does not hand out "
            "the primal either, because the NumPy array would silently drop the derivative. "
            "Use fnp.asarray (funcad.numpy) to keep it traced; to inspect a value, return "
            "fa.stop_gradient(x) as an output (e.g. has_aux=True) and convert it outside the "
            "transform. A NumPy array indexed by a traced index (W[i]) ends up here too: "
            "write fnp.take(W, i, axis=0) or fnp.at(W)[i].get() instead."
        )

    def __setitem__(self, idx, value):
        raise TypeError(
            "traced arrays are immutable inside funcad transforms: x[idx] = v cannot be "
            "differentiated. Write x = fnp.at(x)[idx].set(v) (or x.at[idx].set(v)), which "
            "returns a new array and works with and without transforms; .add, .multiply, "
            ".min and .max update the same way."
        )

    @property
    def at(self):
        """``x.at[idx].set(v)``: functional updates, as ``fnp.at(x)[idx]``."""
        from funcad.numpy.indexing import IndexUpdateHelper

        return IndexUpdateHelper(self)

    def __bool__(self):
        raise TypeError(
            "the truth value of a traced array is not known while it is being "
            "transformed; use fnp.where for data-dependent choices." + _lazy_note(self)
        )

    def __float__(self):
        raise TypeError(
            "float()/int() of a traced value: under vmap it stands for a whole batch and has "
            "no single concrete value, and under grad/jvp funcad does not hand out the "
            "primal either, because a Python number would silently drop the derivative. "
            "Keep it an array (fnp functions, fnp.asarray); to inspect a value, return "
            "fa.stop_gradient(x) as an output (e.g. has_aux=True) and convert it outside "
            "the transform." + _lazy_note(self)
        )

    __int__ = __index__ = __complex__ = __float__

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self.shape}, dtype={self.dtype})"

    # Arithmetic.
    def __add__(self, other):
        return ar.add(self, other)

    def __radd__(self, other):
        return ar.add(other, self)

    def __sub__(self, other):
        return ar.subtract(self, other)

    def __rsub__(self, other):
        return ar.subtract(other, self)

    def __mul__(self, other):
        return ar.multiply(self, other)

    def __rmul__(self, other):
        return ar.multiply(other, self)

    def __truediv__(self, other):
        return ar.divide(self, other)

    def __rtruediv__(self, other):
        return ar.divide(other, self)

    def __pow__(self, other):
        return ar.power(self, other)

    def __rpow__(self, other):
        return ar.power(other, self)

    def __floordiv__(self, other):
        return rounding.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return rounding.floor_divide(other, self)

    def __mod__(self, other):
        return binary_math.remainder(self, other)

    def __rmod__(self, other):
        return binary_math.remainder(other, self)

    def __divmod__(self, other):
        return rounding.floor_divide(self, other), binary_math.remainder(self, other)

    def __rdivmod__(self, other):
        return rounding.floor_divide(other, self), binary_math.remainder(other, self)

    def __round__(self, ndigits=None):
        return rounding.round(self, 0 if ndigits is None else ndigits)

    def round(self, decimals=0):  # noqa: A003 - mirrors ndarray.round
        return rounding.round(self, decimals)

    # Bitwise and logical operators: integer and boolean results, no derivative.
    def __and__(self, other):
        return integer.bitwise_and(self, other)

    def __rand__(self, other):
        return integer.bitwise_and(other, self)

    def __or__(self, other):
        return integer.bitwise_or(self, other)

    def __ror__(self, other):
        return integer.bitwise_or(other, self)

    def __xor__(self, other):
        return integer.bitwise_xor(self, other)

    def __rxor__(self, other):
        return integer.bitwise_xor(other, self)

    def __lshift__(self, other):
        return integer.left_shift(self, other)

    def __rlshift__(self, other):
        return integer.left_shift(other, self)

    def __rshift__(self, other):
        return integer.right_shift(self, other)

    def __rrshift__(self, other):
        return integer.right_shift(other, self)

    def __invert__(self):
        return integer.invert(self)

    def __matmul__(self, other):
        return linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return linalg.matmul(other, self)

    def __neg__(self):
        return ar.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return el.absolute(self)

    # Comparisons give booleans with no derivative.
    def __lt__(self, other):
        return cmp.less(self, other)

    def __le__(self, other):
        return cmp.less_equal(self, other)

    def __gt__(self, other):
        return cmp.greater(self, other)

    def __ge__(self, other):
        return cmp.greater_equal(self, other)

    def __eq__(self, other):
        return cmp.equal(self, other)

    def __ne__(self, other):
        return cmp.not_equal(self, other)

    __hash__ = None

    # Methods.
    def reshape(self, *shape):
        if len(shape) == 1 and not hasattr(shape[0], "__index__"):
            shape = shape[0]
        return sh.reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = axes[0]
        return sh.transpose(self, axes or None)

    def sum(self, axis=None, keepdims=False):
        return reduction.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return composites.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return reduction.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return reduction.min(self, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, keepdims=False):
        return reduction.prod(self, axis=axis, keepdims=keepdims)

    def dot(self, other):
        return composites.dot(self, other)

    def ravel(self):
        return composites.ravel(self)

    flatten = ravel

    def squeeze(self, axis=None):
        return composites.squeeze(self, axis)

    def swapaxes(self, axis1, axis2):
        return composites.swapaxes(self, axis1, axis2)

    @property
    def real(self):
        from funcad.primitives.complex import real

        return real(self)

    @property
    def imag(self):
        from funcad.primitives.complex import imag

        return imag(self)

    def conj(self):
        from funcad.primitives.complex import conj

        return conj(self)

    conjugate = conj

    def var(self, axis=None, dtype=None, ddof=0, keepdims=False):
        from funcad.numpy.statistics import var

        return var(self, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, dtype=None, ddof=0, keepdims=False):
        from funcad.numpy.statistics import std

        return std(self, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)

    def cumsum(self, axis=None, dtype=None):
        from funcad.numpy.reductions import cumsum

        return cumsum(self, axis=axis, dtype=dtype)

    def cumprod(self, axis=None, dtype=None):
        from funcad.numpy.reductions import cumprod

        return cumprod(self, axis=axis, dtype=dtype)

    def argmax(self, axis=None, keepdims=False):
        from funcad.numpy.reductions import argmax

        return argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        from funcad.numpy.reductions import argmin

        return argmin(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):  # noqa: A003 - mirrors ndarray.any
        from funcad.numpy.reductions import any as any_

        return any_(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):  # noqa: A003 - mirrors ndarray.all
        from funcad.numpy.reductions import all as all_

        return all_(self, axis=axis, keepdims=keepdims)

    def ptp(self, axis=None, keepdims=False):
        from funcad.numpy.reductions import ptp

        return ptp(self, axis=axis, keepdims=keepdims)

    def trace(self, offset=0, axis1=0, axis2=1):
        from funcad.numpy.products import trace

        return trace(self, offset=offset, axis1=axis1, axis2=axis2)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        from funcad.numpy.products import diagonal

        return diagonal(self, offset=offset, axis1=axis1, axis2=axis2)

    def repeat(self, repeats, axis=None):
        from funcad.numpy.manipulation import repeat

        return repeat(self, repeats, axis=axis)

    def nonzero(self):
        from funcad.numpy.searching import nonzero

        return nonzero(self)

    def searchsorted(self, v, side="left", sorter=None):
        from funcad.numpy.searching import searchsorted

        return searchsorted(self, v, side=side, sorter=sorter)

    def compress(self, condition, axis=None):
        from funcad.numpy.searching import compress

        return compress(condition, self, axis=axis)

    def choose(self, choices, mode="raise"):
        from funcad.numpy.searching import choose

        return choose(self, choices, mode=mode)

    def argpartition(self, kth, axis=-1, kind="introselect", order=None):
        from funcad.numpy.searching import argpartition

        return argpartition(self, kth, axis=axis, kind=kind, order=order)

    def copy(self):
        return self

    def partition(self, kth, axis=-1, kind="introselect", order=None):
        raise TypeError(
            "x.partition() works in place, which traced arrays cannot do; use "
            "fnp.partition(x, kth, axis)."
        )

    def sort(self, axis=-1, kind=None, order=None):
        raise TypeError(
            "x.sort() sorts in place, which traced arrays cannot do; use fnp.sort(x, axis)."
        )

    def argsort(self, axis=-1, kind=None, order=None):
        from funcad.numpy.sorting import argsort

        return argsort(self, axis, kind, order)

    def take(self, indices, axis=None, mode=None):
        from funcad.numpy.indexing import take

        return take(self, indices, axis=axis, mode=mode)

    def astype(self, dtype):
        return cmp.astype(self, dtype)

    def clip(self, a_min=None, a_max=None):
        return composites.clip(self, a_min, a_max)


# NumPy calls that write into an argument; the functional form is the way out.
_IN_PLACE = ("put", "putmask", "place", "copyto", "fill_diagonal", "put_along_axis")

# ufunc.reduce / ufunc.accumulate with a funcad reduction of their own; other binary
# ufuncs fold along the axis with the ufunc itself.
_REDUCERS = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
             "logical_and": "all", "logical_or": "any"}
_ACCUMULATORS = {"add": "cumsum", "multiply": "cumprod"}
_AT_METHODS = {"add": "add", "multiply": "multiply", "minimum": "min", "maximum": "max"}

# ufunc keywords that only matter at these (NumPy's default) values.
_UFUNC_DEFAULTS = {"casting": "same_kind", "order": "K", "subok": True, "where": True}


def _cannot(qualname: str, name: str, namespace, reason: str = "", hint: str = "") -> TypeError:
    """The error for a NumPy call funcad has no differentiable version of."""
    if not hint and name in _IN_PLACE:
        hint = ("it writes into its argument, which traced arrays cannot do; write "
                "x = fnp.at(x)[idx].set(v) instead")
    elif not hint:
        names = [n for n in dir(namespace) if not n.startswith("_")]
        close = difflib.get_close_matches(name, names, n=3)
        where = "fnp.linalg." if namespace.__name__.endswith("linalg") else "fnp."
        hint = ("the nearest funcad.numpy names are " + ", ".join(where + n for n in close)
                if close else "funcad.numpy has no close name")
    return TypeError(
        f"funcad cannot differentiate {qualname}{reason}; {hint} (see docs/numpy.md for "
        f"what is supported)."
    )


def _dispatch_ufunc(ufunc, method: str, inputs: tuple, kwargs: dict):
    """Run a NumPy ufunc call (or ufunc method) on traced values with funcad.numpy."""
    import funcad.numpy as fnp

    name = ufunc.__name__
    qualname = f"numpy.{name}" + ("" if method == "__call__" else f".{method}")
    function = getattr(fnp, name, None)
    if function is None:
        raise _cannot(qualname, name, fnp)
    out = kwargs.pop("out", None)
    if out is not None and any(o is not None for o in out):
        raise TypeError(
            f"{qualname}(..., out=...) writes into an array, which cannot be differentiated; "
            f"drop out= and use the returned value."
        )
    for key, default in _UFUNC_DEFAULTS.items():
        value = kwargs.pop(key, default)
        if value is not default and not (isinstance(value, str) and value == default):
            hint = (f"call fnp.{name} without it" if key != "where" else
                    f"write fnp.where(mask, fnp.{name}(...), fallback)")
            raise _cannot(qualname, name, fnp, f" with {key}=", hint)
    dtype = kwargs.pop("dtype", None)
    if method == "__call__":
        if kwargs:
            raise _cannot(qualname, name, fnp, " with " + ", ".join(kwargs))
        return _cast_result(function(*_cast_inputs(inputs, dtype)), dtype)
    if method == "outer" and not kwargs:
        a, b = _cast_inputs(inputs, dtype)
        return function(fnp.reshape(a, fnp.shape(a) + (1,) * fnp.ndim(b)), b)
    if method in ("reduce", "accumulate") and ufunc.nin == 2 and ufunc.nout == 1:
        axis = kwargs.pop("axis", 0)
        keepdims = kwargs.pop("keepdims", False) if method == "reduce" else False
        initial = kwargs.pop("initial", None) if method == "reduce" else None
        if not kwargs:
            (x,) = _cast_inputs(inputs, dtype)
            return _reduce(fnp, function, name, method, x, axis, keepdims, initial)
    if method == "at":
        hint = f"write x = fnp.at(x)[idx].{_AT_METHODS.get(name, 'set')}(v) instead"
    else:
        hint = (f"funcad supports fnp.{name} and numpy.{name}.reduce/.accumulate/.outer; "
                f"for reduceat, reduce each slice")
    raise _cannot(qualname, name, fnp, " with " + ", ".join(kwargs) if kwargs else "", hint)


def _reduce(fnp, function, name: str, method: str, x, axis, keepdims: bool, initial):
    """ufunc.reduce / ufunc.accumulate of ``function`` along ``axis``."""
    if axis is None:
        x, axis = fnp.ravel(x), 0
        if method == "reduce" and keepdims:
            raise TypeError("ufunc.reduce with axis=None and keepdims=True: pass the axes as "
                            "a tuple instead.")
    named = (_REDUCERS if method == "reduce" else _ACCUMULATORS).get(name)
    if named is not None:
        if method == "reduce":
            result = getattr(fnp, named)(x, axis=axis, keepdims=keepdims)
        else:
            result = getattr(fnp, named)(x, axis=axis)
    elif isinstance(axis, tuple):
        raise TypeError(f"numpy.{name}.{method} with a tuple axis={axis!r} on a traced value: "
                        f"reduce one axis at a time.")
    else:
        # Folding with the ufunc itself keeps every step differentiable.
        moved = fnp.moveaxis(x, axis, 0)
        steps = [moved[0]]
        for i in range(1, moved.shape[0]):
            steps.append(function(steps[-1], moved[i]))
        if method == "accumulate":
            return fnp.moveaxis(fnp.stack(steps), 0, axis)
        result = fnp.expand_dims(steps[-1], axis) if keepdims else steps[-1]
    return result if initial is None else function(result, initial)


def _cast_inputs(inputs: tuple, dtype) -> tuple:
    """Cast the operands to a floating ``dtype=`` so that the work happens in it."""
    import numpy as np

    if dtype is None or not np.issubdtype(dtype, np.inexact):
        return inputs
    # Numbers and lists join the operands' backend (a device's, for CuPy tracers).
    home = backend_of(next((x for x in inputs if isinstance(x, Tracer)), inputs[0]))
    return tuple(cmp.astype(x, dtype) if isinstance(x, Tracer) else _asarray(x, dtype, home)
                 for x in inputs)


def _asarray(x, dtype, home):
    """``x`` as an array of ``dtype`` on its own backend (a number or list: on ``home``)."""
    xp = backend.of(x).xp if backend.is_array(x) else home.xp
    return xp.asarray(x, dtype)


def _cast_result(result, dtype):
    """Apply a non-floating ``dtype=`` (the operands stay as they were) to the result."""
    import numpy as np

    if dtype is None or np.issubdtype(dtype, np.inexact) or isinstance(result, tuple):
        return result
    return cmp.astype(result, dtype) if isinstance(result, Tracer) else _asarray(result, dtype)
