"""Type queries and window functions: they read dtypes and sizes, never traced values.

A traced array answers dtype questions with its dtype, so these work inside
transforms; window functions take a length and return constants.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.vmap(lambda x: x * fnp.issubdtype(x.dtype, np.floating))(np.ones((2, 1))).tolist()
[[1.0], [1.0]]
"""

from __future__ import annotations

from funcad import backend
from funcad.core.trace import Tracer
from funcad.primitives._util import dtype_of

__all__ = [
    "bartlett", "blackman", "common_type", "hamming", "hanning", "isdtype", "issubdtype",
    "iterable", "kaiser", "mintypecode", "typename",
]


def _xp():
    return backend.default().xp


def _dtype_stand_in(x):
    """A 0-d array of ``x``'s dtype in place of a traced ``x``."""
    return _xp().zeros((), dtype_of(x)) if isinstance(x, Tracer) else x


def issubdtype(arg1, arg2) -> bool:
    """Whether ``arg1`` is a dtype lower in the hierarchy than ``arg2`` (``numpy.issubdtype``)."""
    return _xp().issubdtype(arg1, arg2)


def isdtype(dtype, kind) -> bool:
    """Whether ``dtype`` is of ``kind`` (``numpy.isdtype``)."""
    return _xp().isdtype(dtype, kind)


def common_type(*arrays):
    """The scalar type common to the (possibly traced) arrays, as ``numpy.common_type``."""
    return _xp().common_type(*[_dtype_stand_in(a) for a in arrays])


def mintypecode(typechars, typeset="GDFgdf", default="d") -> str:
    """The character of the smallest type that ``typechars`` can be cast to safely."""
    return _xp().mintypecode(typechars, typeset, default)


def typename(char) -> str:
    """A description of the type of the given character code."""
    return _xp().typename(char)


def iterable(y) -> bool:
    """Whether ``y`` can be iterated over (a traced array with dimensions can)."""
    if isinstance(y, Tracer):
        return bool(y.shape)
    return _xp().iterable(y)


def bartlett(M):  # noqa: N803 - numpy's name
    """The Bartlett (triangular) window of ``M`` points; a constant."""
    return _xp().bartlett(M)


def blackman(M):  # noqa: N803 - numpy's name
    """The Blackman window of ``M`` points; a constant."""
    return _xp().blackman(M)


def hamming(M):  # noqa: N803 - numpy's name
    """The Hamming window of ``M`` points; a constant."""
    return _xp().hamming(M)


def hanning(M):  # noqa: N803 - numpy's name
    """The Hann window of ``M`` points; a constant."""
    return _xp().hanning(M)


def kaiser(M, beta):  # noqa: N803 - numpy's name
    """The Kaiser window of ``M`` points with shape ``beta``; a constant."""
    return _xp().kaiser(M, beta)
