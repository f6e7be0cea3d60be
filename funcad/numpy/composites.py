"""NumPy functions written with funcad primitives; they need no rules of their own."""

from __future__ import annotations

import math

from funcad import backend
from funcad.core.trace import Tracer
from funcad.primitives._util import ndim_of, normalize_axes, normalize_axis, shape_of
from funcad.primitives.arithmetic import divide, maximum, minimum
from funcad.primitives.binary_math import arctan2
from funcad.primitives.complex import imag, real
from funcad.primitives.linalg import einsum, matmul
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import concatenate, reshape, transpose


def mean(x, axis=None, dtype=None, out=None, keepdims=False):
    """Arithmetic mean over ``axis``."""
    shape = shape_of(x)
    count = math.prod(shape[a] for a in normalize_axes(axis, len(shape)))
    return divide(sum_(x, axis=axis, dtype=dtype, out=out, keepdims=keepdims), count)


def clip(x, a_min=None, a_max=None):
    """``x`` limited to [a_min, a_max]; at a bound the derivative is halved (as JAX)."""
    if a_min is not None:
        x = maximum(x, a_min)
    if a_max is not None:
        x = minimum(x, a_max)
    return x


def moveaxis(x, source, destination):
    """Move axes of ``x`` to new positions; the others keep their order."""
    n = ndim_of(x)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis: `source` and `destination` need the same number of elements")
    src = [normalize_axis(a, n, "source") for a in src]
    dst = [normalize_axis(a, n, "destination") for a in dst]
    order = [a for a in range(n) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, tuple(order))


def swapaxes(x, axis1, axis2):
    """``x`` with two axes exchanged."""
    n = ndim_of(x)
    axes = list(range(n))
    a, b = normalize_axis(axis1, n, "axis1"), normalize_axis(axis2, n, "axis2")
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, tuple(axes))


def expand_dims(x, axis):
    """``x`` with new axes of length one at ``axis``."""
    shape = list(shape_of(x))
    axes = [axis] if isinstance(axis, int) else list(axis)
    out_ndim = len(shape) + len(axes)
    for a in sorted(normalize_axis(a, out_ndim) for a in axes):
        shape.insert(a, 1)
    return reshape(x, tuple(shape))


def squeeze(x, axis=None):
    """``x`` without axes of length one (or only those in ``axis``)."""
    shape = shape_of(x)
    if axis is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        axes = normalize_axes(axis, len(shape))
        for a in axes:
            if shape[a] != 1:
                raise ValueError(
                    f"cannot select an axis to squeeze out which has size not equal to one "
                    f"(axis {a} has size {shape[a]})"
                )
    return reshape(x, tuple(s for i, s in enumerate(shape) if i not in axes))


def stack(arrays, axis=0):
    """Join arrays of one shape along a new axis."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    shape = shape_of(arrays[0])
    for i, a in enumerate(arrays):
        if shape_of(a) != shape:
            raise ValueError(
                f"all input arrays must have the same shape; array 0 has {shape}, "
                f"array {i} has {shape_of(a)}"
            )
    axis = normalize_axis(axis, len(shape) + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis)


def ravel(x):
    """``x`` flattened to one dimension."""
    return reshape(x, (-1,))


def tensordot(a, b, axes=2):
    """Sum products over the given axes of ``a`` and ``b`` (as ``numpy.tensordot``)."""
    na, nb = ndim_of(a), ndim_of(b)
    if isinstance(axes, int):
        a_axes, b_axes = list(range(na - axes, na)), list(range(axes))
    else:
        a_axes, b_axes = axes
        a_axes = [a_axes] if isinstance(a_axes, int) else list(a_axes)
        b_axes = [b_axes] if isinstance(b_axes, int) else list(b_axes)
    a_axes = [normalize_axis(x, na, "axes") for x in a_axes]
    b_axes = [normalize_axis(x, nb, "axes") for x in b_axes]
    if len(a_axes) != len(b_axes):
        raise ValueError("tensordot: the axes lists of a and b differ in length")
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    sa = list(letters[:na])
    sb = list(letters[na:na + nb])
    for i, j in zip(a_axes, b_axes):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in a_axes] + [
        c for j, c in enumerate(sb) if j not in b_axes
    ]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


def dot(a, b):
    """Dot product with ``numpy.dot`` semantics."""
    from funcad.primitives.arithmetic import multiply

    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return multiply(a, b)
    if na <= 2 and nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([-1], [max(nb - 2, 0)]))


def shape(x) -> tuple[int, ...]:
    """The shape of ``x``."""
    return shape_of(x)


def ndim(x) -> int:
    """The number of dimensions of ``x``."""
    return ndim_of(x)


def size(x) -> int:
    """The number of elements of ``x``."""
    return math.prod(shape_of(x))



def angle(z, deg: bool = False):
    """The argument of ``z`` in radians (degrees with ``deg=True``), ``arctan2(imag, real)``."""
    if not isinstance(z, Tracer):
        return backend.of(z).xp.angle(z, deg=deg)
    theta = arctan2(imag(z), real(z))
    return theta * (180 / math.pi) if deg else theta


def einsum_path(subscripts: str, *operands, optimize="greedy", einsum_call=False):
    """NumPy's contraction plan for ``einsum`` (traced operands stand in by their shapes).

    ``fnp.einsum`` plans its own contractions with opt_einsum; this is for
    inspecting what NumPy would do.
    """
    xp = backend.default().xp
    # Only shapes and dtypes count: other backends' arrays stand in by them too, not copied.
    stand_ins = [xp.broadcast_to(xp.zeros((), getattr(op, "dtype", float)), shape_of(op))
                 if isinstance(op, Tracer) or (backend.is_array(op) and not backend.of(op).native)
                 else op for op in operands]
    return xp.einsum_path(subscripts, *stand_ins, optimize=optimize, einsum_call=einsum_call)
