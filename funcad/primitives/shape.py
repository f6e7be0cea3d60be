"""Shape primitives: reshape, transpose, broadcast_to, concatenate."""

from __future__ import annotations

import math
import operator

from funcad import backend
from funcad.core.primitive import PerArgument, Primitive
from funcad.core.trace import Tracer
from funcad.primitives._util import (
    backend_of,
    batch_size,
    dtype_of,
    move_to_front,
    ndim_of,
    normalize_axis,
    shape_of,
    unbroadcast,
)
from funcad.primitives.indexing import getitem

reshape_p = Primitive("reshape")
transpose_p = Primitive("transpose")
broadcast_to_p = Primitive("broadcast_to")
concatenate_p = Primitive("concatenate")


def as_shape(shape) -> tuple[int, ...]:
    """An int or a sequence of ints (NumPy integers included) as a shape tuple."""
    if hasattr(shape, "__index__"):
        return (operator.index(shape),)
    return tuple(operator.index(s) for s in shape)


def _resolve_shape(shape, size: int) -> tuple[int, ...]:
    shape = as_shape(shape)
    if shape.count(-1) > 1:
        raise ValueError(f"can only specify one unknown dimension in shape {shape}")
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    if math.prod(shape) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


def reshape(x, shape):
    """``x`` with a new shape of the same size (one entry may be -1)."""
    shape = _resolve_shape(shape, math.prod(shape_of(x)))
    if shape == shape_of(x) and isinstance(x, Tracer):
        return x  # a no-op needs no primitive; plain inputs still become arrays
    return reshape_p.bind(x, shape=shape)


def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed when ``axes`` is None)."""
    n = ndim_of(x)
    if axes is None:
        axes = tuple(range(n - 1, -1, -1))
    else:
        axes = tuple(normalize_axis(a, n, "axes") for a in axes)
        if sorted(axes) != list(range(n)):
            raise ValueError(f"axes {axes} is not a permutation of {n} axes")
    if axes == tuple(range(n)) and isinstance(x, Tracer):
        return x
    return transpose_p.bind(x, axes=axes)


def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (a read-only view on NumPy)."""
    shape = as_shape(shape)
    if shape_of(x) == shape and isinstance(x, Tracer):
        return x
    return broadcast_to_p.bind(x, shape=shape)


def concatenate(arrays, axis=0):
    """Join a sequence of arrays along an existing axis."""
    arrays = tuple(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays, axis = tuple(reshape(a, (-1,)) for a in arrays), 0
    axis = normalize_axis(axis, ndim_of(arrays[0]))
    return concatenate_p.bind(*arrays, axis=axis)


# reshape --------------------------------------------------------------------
@reshape_p.def_impl
def _reshape_impl(x, *, shape):
    return backend.of(x).xp.reshape(x, shape)


def _reshape_jvp(t, ans, x, *, shape):
    return reshape(t, shape)


def _reshape_vjp(ct, ans, x, *, shape):
    return reshape(ct, shape_of(x))


@reshape_p.def_batch
def _reshape_batch(args, bdims, *, shape):
    (x,), (bdim,) = args, bdims
    x = move_to_front(x, bdim)
    return reshape(x, shape_of(x)[:1] + shape), 0


reshape_p.def_jvp(_reshape_jvp)
reshape_p.def_vjp(_reshape_vjp)
reshape_p.linear = True


# transpose ------------------------------------------------------------------
@transpose_p.def_impl
def _transpose_impl(x, *, axes):
    return backend.of(x).xp.transpose(x, axes)


def _transpose_jvp(t, ans, x, *, axes):
    return transpose(t, axes)


def _transpose_vjp(ct, ans, x, *, axes):
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a] = i
    return transpose(ct, tuple(inverse))


@transpose_p.def_batch
def _transpose_batch(args, bdims, *, axes):
    (x,), (bdim,) = args, bdims
    shifted = tuple(a + (a >= bdim) for a in axes)
    return transpose(x, (bdim,) + shifted), 0


transpose_p.def_jvp(_transpose_jvp)
transpose_p.def_vjp(_transpose_vjp)
transpose_p.linear = True


# broadcast_to ---------------------------------------------------------------
@broadcast_to_p.def_impl
def _broadcast_to_impl(x, *, shape):
    return backend.of(x).xp.broadcast_to(x, shape)


def _broadcast_to_jvp(t, ans, x, *, shape):
    return broadcast_to(t, shape)


def _broadcast_to_vjp(ct, ans, x, *, shape):
    return unbroadcast(ct, shape_of(x))


@broadcast_to_p.def_batch
def _broadcast_to_batch(args, bdims, *, shape):
    (x,), (bdim,) = args, bdims
    x = move_to_front(x, bdim)
    x_shape = shape_of(x)
    pad = len(shape) - (len(x_shape) - 1)
    x = reshape(x, x_shape[:1] + (1,) * pad + x_shape[1:])
    return broadcast_to(x, x_shape[:1] + shape), 0


broadcast_to_p.def_jvp(_broadcast_to_jvp)
broadcast_to_p.def_vjp(_broadcast_to_vjp)
broadcast_to_p.linear = True


# concatenate ----------------------------------------------------------------
@concatenate_p.def_impl
def _concatenate_impl(*arrays, axis):
    return backend.of_many(*arrays).xp.concatenate(arrays, axis=axis)


def _concatenate_jvp(i, t, ans, *arrays, axis):
    return _concatenate_jvp_all([t if j == i else None for j in range(len(arrays))],
                                ans, *arrays, axis=axis)


def _concatenate_jvp_all(tangents, ans, *arrays, axis):
    # One concatenation of all tangents, with zeros standing in for the symbolic ones.
    known = next(t for t in tangents if t is not None)
    xp = backend_of(known).xp
    parts = [xp.zeros(shape_of(a), dtype_of(known)) if t is None else t
             for t, a in zip(tangents, arrays)]
    return concatenate(parts, axis)


def _concatenate_vjp(i, ct, ans, *arrays, axis):
    start = sum(shape_of(a)[axis] for a in arrays[:i])
    stop = start + shape_of(arrays[i])[axis]
    return getitem(ct, (slice(None),) * axis + (slice(start, stop),))


@concatenate_p.def_batch
def _concatenate_batch(args, bdims, *, axis):
    size = batch_size(args, bdims)
    moved = [move_to_front(x, b, size) for x, b in zip(args, bdims)]
    return concatenate(moved, axis + 1), 0


concatenate_p.def_jvp(PerArgument(_concatenate_jvp))
concatenate_p.def_jvp_all(_concatenate_jvp_all)
concatenate_p.def_vjp(PerArgument(_concatenate_vjp))
concatenate_p.linear = True
