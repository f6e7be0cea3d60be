"""funcad.numpy: NumPy's names, differentiable under every funcad transform.

With no transform active each function checks its arguments for tracers and
calls the backend (NumPy or CuPy) straight away.

>>> import funcad as fa, funcad.numpy as fnp
>>> float(fa.grad(lambda x: fnp.sum(fnp.sin(x) ** 2))(0.5))  # 2 sin(x) cos(x)
0.8414709848078965
"""

from funcad import backend as _backend
from funcad.numpy import linalg
from funcad.numpy.array_api import *  # noqa: F403 - each family module lists its names
from funcad.numpy.composites import (
    angle,
    clip,
    dot,
    einsum_path,
    expand_dims,
    mean,
    moveaxis,
    ndim,
    ravel,
    shape,
    size,
    squeeze,
    stack,
    swapaxes,
    tensordot,
)
from funcad.numpy.creation import (
    arange,
    array,
    asarray,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    identity,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from funcad.numpy.dtypes import *  # noqa: F403
from funcad.numpy.elementwise import *  # noqa: F403
from funcad.numpy.indexing import *  # noqa: F403
from funcad.numpy.logic import *  # noqa: F403
from funcad.numpy.manipulation import *  # noqa: F403
from funcad.numpy.nanfunctions import *  # noqa: F403
from funcad.numpy.numerical import *  # noqa: F403
from funcad.numpy.polynomial import *  # noqa: F403
from funcad.numpy.reductions import *  # noqa: F403
from funcad.numpy.searching import *  # noqa: F403
from funcad.numpy.setops import *  # noqa: F403
from funcad.numpy.sorting import *  # noqa: F403
from funcad.primitives.arithmetic import (
    add,
    divide,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    subtract,
)
from funcad.primitives.comparison import (
    astype,
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_or,
    not_equal,
    where,
)
from funcad.primitives.complex import conj, conjugate, imag, real
from funcad.primitives.elementwise import (
    absolute,
    arccos,
    arcsin,
    arctan,
    cos,
    cosh,
    exp,
    expm1,
    log,
    log1p,
    reciprocal,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    tan,
    tanh,
)
from funcad.primitives.linalg import einsum, matmul
from funcad.primitives.reduction import max, min, prod, sum  # noqa: A004
from funcad.primitives.shape import broadcast_to, concatenate, reshape, transpose

abs = absolute  # noqa: A001 - mirrors numpy.abs
true_divide = divide
amax, amin = max, min
_xp = _backend.default().xp
float32, float64, int32, int64, bool_ = _xp.float32, _xp.float64, _xp.int32, _xp.int64, _xp.bool_
pi = 3.141592653589793
e = 2.718281828459045
inf = float("inf")
nan = float("nan")
newaxis = None
